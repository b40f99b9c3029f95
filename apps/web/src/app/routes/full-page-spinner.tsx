import { LoaderCircleIcon } from 'lucide-react';

export function FullPageSpinner() {
  return (
    <div className="flex h-dvh flex-1 items-center justify-center" role="status" aria-busy="true">
      <LoaderCircleIcon className="size-6 animate-spin text-muted-foreground" aria-hidden="true" />
    </div>
  );
}
