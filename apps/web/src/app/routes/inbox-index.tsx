import { MessagesSquareIcon } from 'lucide-react';

import { Empty, EmptyDescription, EmptyIcon, EmptyTitle } from '@/components/ui/empty';
import { useI18n } from '@/lib/i18n/i18n-provider';

export default function InboxIndexRoute() {
  const { t } = useI18n();
  return (
    <Empty className="bg-thread">
      <EmptyIcon>
        <MessagesSquareIcon />
      </EmptyIcon>
      <EmptyTitle>{t('inbox.selectConversation')}</EmptyTitle>
      <EmptyDescription>{t('inbox.selectConversationHint')}</EmptyDescription>
    </Empty>
  );
}
