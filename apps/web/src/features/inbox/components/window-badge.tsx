import { TimerIcon, TimerOffIcon } from 'lucide-react';

import { Badge } from '@/components/ui/badge';
import { useI18n } from '@/lib/i18n/i18n-provider';
import type { WindowState } from '../utils/conversation-state';

export function WindowBadge({ state, compact = false }: { state: WindowState; compact?: boolean }) {
  const { t, fmt } = useI18n();
  if (state.kind === 'open') {
    const time = fmt.duration(state.remainingSeconds);
    const urgent = state.remainingSeconds < 3600;
    return (
      <Badge
        variant={urgent ? 'warning' : 'success'}
        title={t('window.open', { time })}
        aria-label={t('window.open', { time })}
        data-testid="window-badge"
        data-window="open"
      >
        <TimerIcon aria-hidden="true" />
        {compact ? time : t('window.open', { time })}
      </Badge>
    );
  }
  const label = state.kind === 'closed' ? t('window.closed') : t('window.none');
  return (
    <Badge
      variant="muted"
      title={label}
      aria-label={label}
      data-testid="window-badge"
      data-window={state.kind}
    >
      <TimerOffIcon aria-hidden="true" />
      {compact ? null : label}
    </Badge>
  );
}
