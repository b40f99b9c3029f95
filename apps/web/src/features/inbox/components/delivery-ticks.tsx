import { AlertCircleIcon, CheckCheckIcon, CheckIcon, ClockIcon, PlayIcon } from 'lucide-react';

import { Tooltip, TooltipContent, TooltipTrigger } from '@/components/ui/tooltip';
import { useI18n } from '@/lib/i18n/i18n-provider';
import type { MessageKey } from '@/lib/i18n/messages';
import { cn } from '@/lib/utils';
import type { Message } from '@/types/api';

const labels: Record<string, MessageKey> = {
  queued: 'status.queued',
  sent: 'status.sent',
  delivered: 'status.delivered',
  read: 'status.read',
  played: 'status.played',
  failed: 'status.failed',
};

export function DeliveryTicks({
  status,
  error,
  className,
}: Pick<Message, 'status' | 'error'> & { className?: string }) {
  const { t } = useI18n();
  if (!status || !(status in labels)) return null;
  const labelKey = labels[status] ?? 'status.queued';

  if (status === 'failed') {
    const label =
      error && (error.code !== null || error.title)
        ? t('status.failedWith', { code: error.code ?? '—', title: error.title ?? '' })
        : t('status.failed');
    return (
      <Tooltip>
        <TooltipTrigger asChild>
          <span
            role="img"
            tabIndex={0}
            aria-label={label}
            data-status="failed"
            className={cn('inline-flex rounded-sm text-destructive', className)}
          >
            <AlertCircleIcon className="size-3.5" aria-hidden="true" />
          </span>
        </TooltipTrigger>
        <TooltipContent>{label}</TooltipContent>
      </Tooltip>
    );
  }

  const Icon = status === 'queued' ? ClockIcon : status === 'sent' ? CheckIcon : CheckCheckIcon;
  const seen = status === 'read' || status === 'played';
  return (
    <span
      role="img"
      aria-label={t(labelKey)}
      title={t(labelKey)}
      data-status={status}
      className={cn(
        'inline-flex items-center gap-0.5',
        seen ? 'text-tick-read' : 'opacity-70',
        className,
      )}
    >
      <Icon className="size-3.5" aria-hidden="true" />
      {status === 'played' ? <PlayIcon className="size-3" aria-hidden="true" /> : null}
    </span>
  );
}
