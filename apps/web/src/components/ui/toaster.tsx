import * as React from 'react';
import { cva } from 'class-variance-authority';
import { XIcon } from 'lucide-react';

import { dismissToast, useToasts } from '@/lib/toast';
import { cn } from '@/lib/utils';

export const toastVariants = cva(
  'pointer-events-auto relative flex w-full items-start gap-3 rounded-lg border p-4 pr-10 shadow-lg',
  {
    variants: {
      variant: {
        default: 'bg-popover text-popover-foreground',
        destructive: 'border-destructive/40 bg-destructive text-destructive-foreground',
        success: 'border-success/40 bg-popover text-popover-foreground',
      },
    },
    defaultVariants: { variant: 'default' },
  },
);

export function Toaster({
  className,
  closeLabel,
  ...props
}: React.ComponentProps<'ol'> & { closeLabel: string }) {
  const toasts = useToasts();
  return (
    <ol
      data-slot="toaster"
      aria-live="polite"
      className={cn(
        'pointer-events-none fixed right-0 bottom-0 z-[100] flex w-full flex-col gap-2 p-4 sm:max-w-sm',
        className,
      )}
      {...props}
    >
      {toasts.map((t) => (
        <li
          key={t.id}
          data-slot="toast"
          role={t.variant === 'destructive' ? 'alert' : 'status'}
          className={toastVariants({ variant: t.variant })}
        >
          <div className="grid gap-1">
            <div data-slot="toast-title" className="text-sm font-semibold">
              {t.title}
            </div>
            {t.description ? (
              <div data-slot="toast-description" className="text-sm opacity-90">
                {t.description}
              </div>
            ) : null}
          </div>
          <button
            type="button"
            data-slot="toast-close"
            aria-label={closeLabel}
            onClick={() => dismissToast(t.id)}
            className="absolute top-3 right-3 rounded-sm opacity-70 hover:opacity-100 focus-visible:ring-[3px] focus-visible:ring-ring/50"
          >
            <XIcon className="size-4" aria-hidden="true" />
          </button>
        </li>
      ))}
    </ol>
  );
}
