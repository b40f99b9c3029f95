import { useI18n } from '@/lib/i18n/i18n-provider';
import type { Message } from '@/types/api';

export function MessagePreview({ message }: { message: Message }) {
  const { t } = useI18n();
  if (message.text) return <>{message.text}</>;
  if (message.type === 'unsupported')
    return <em>{t('thread.unsupported', { type: message.type })}</em>;
  return <em>{t('thread.media', { type: message.type })}</em>;
}
