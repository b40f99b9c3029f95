import { WifiOffIcon } from 'lucide-react';

import { useI18n } from '@/lib/i18n/i18n-provider';
import { useSocketStatus } from '@/lib/socket';

export function ReconnectBanner() {
  const { t } = useI18n();
  const status = useSocketStatus();
  if (status !== 'disconnected') return null;
  return (
    <div
      role="status"
      data-testid="reconnect-banner"
      className="flex items-center justify-center gap-2 bg-warning/25 px-3 py-1.5 text-sm text-foreground"
    >
      <WifiOffIcon className="size-4" aria-hidden="true" />
      {t('realtime.offline')}
    </div>
  );
}
