import { useQuery } from '@tanstack/react-query';

import { Tabs, TabsList, TabsTrigger } from '@/components/ui/tabs';
import { useI18n } from '@/lib/i18n/i18n-provider';
import type { MessageKey } from '@/lib/i18n/messages';
import type { ConversationCounts, ConversationView } from '@/types/api';

import { conversationCountsQueryOptions } from '../api/get-conversations';

const labels: Record<ConversationView, MessageKey> = {
  mine: 'inbox.tab.mine',
  team: 'inbox.tab.team',
  unassigned: 'inbox.tab.unassigned',
  all: 'inbox.tab.all',
};

function ViewCount({ view, counts }: { view: ConversationView; counts?: ConversationCounts }) {
  const { fmt } = useI18n();
  const count = counts?.[view];
  if (!count) return null;
  return (
    <span
      data-testid={`count-${view}`}
      className="rounded-full bg-muted-foreground/15 px-1.5 text-xs tabular-nums"
    >
      {fmt.number(count)}
    </span>
  );
}

export function InboxTabs({
  views,
  value,
  onChange,
  numberId,
}: {
  views: ConversationView[];
  value: ConversationView;
  onChange: (view: ConversationView) => void;
  /** Count only this number's conversations (the inbox's number filter). */
  numberId?: string;
}) {
  const { t } = useI18n();
  const { data: counts } = useQuery(conversationCountsQueryOptions(numberId));
  return (
    <Tabs value={value} onValueChange={(v) => onChange(v as ConversationView)}>
      <TabsList
        aria-label={t('inbox.views')}
        className="w-full [scrollbar-width:none] justify-start overflow-x-auto"
      >
        {views.map((view) => (
          <TabsTrigger
            key={view}
            value={view}
            className="flex-none px-2 text-xs sm:flex-1 sm:text-sm"
          >
            {t(labels[view])}
            <ViewCount view={view} counts={counts} />
          </TabsTrigger>
        ))}
      </TabsList>
    </Tabs>
  );
}
