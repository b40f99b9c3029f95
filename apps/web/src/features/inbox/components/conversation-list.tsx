import * as React from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { InboxIcon, AlertTriangleIcon } from 'lucide-react';

import { Button } from '@/components/ui/button';
import { Empty, EmptyDescription, EmptyIcon, EmptyTitle } from '@/components/ui/empty';
import { Skeleton } from '@/components/ui/skeleton';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { errorMessageKey } from '@/lib/errors';
import { useNow } from '@/lib/use-now';
import type { ConversationFilters } from '@/types/api';

import { conversationsQueryOptions } from '../api/get-conversations';
import { CONVERSATION_ROW_HEIGHT, ConversationListItem } from './conversation-list-item';

export function ConversationListSkeleton({ rows = 8 }: { rows?: number }) {
  return (
    <div aria-hidden="true">
      {Array.from({ length: rows }, (_, i) => (
        <div
          key={i}
          className="flex gap-3 border-b px-3 py-3"
          style={{ height: CONVERSATION_ROW_HEIGHT }}
        >
          <Skeleton className="size-9 rounded-full" />
          <div className="grid flex-1 gap-2">
            <Skeleton className="h-4 w-2/3" />
            <Skeleton className="h-3 w-full" />
            <Skeleton className="h-3 w-1/2" />
          </div>
        </div>
      ))}
    </div>
  );
}

export function ConversationList({
  filters,
  hrefFor,
  filtered,
}: {
  filters: ConversationFilters;
  hrefFor: (id: string) => string;
  filtered: boolean;
}) {
  const { t } = useI18n();
  const now = useNow(30_000);
  const query = useInfiniteQuery(conversationsQueryOptions(filters));
  const items = React.useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const scrollRef = React.useRef<HTMLDivElement>(null);

  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Virtual returns functions that must not be memoized; this component does not rely on the compiler.
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => CONVERSATION_ROW_HEIGHT,
    overscan: 8,
    getItemKey: (index) => items[index]?.id ?? index,
  });
  const virtualItems = virtualizer.getVirtualItems();
  const lastIndex = virtualItems[virtualItems.length - 1]?.index ?? -1;

  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  React.useEffect(() => {
    if (lastIndex >= items.length - 5 && hasNextPage && !isFetchingNextPage) {
      void fetchNextPage();
    }
  }, [lastIndex, items.length, hasNextPage, isFetchingNextPage, fetchNextPage]);

  if (query.isPending) return <ConversationListSkeleton />;

  if (query.isError && items.length === 0) {
    return (
      <Empty>
        <EmptyIcon>
          <AlertTriangleIcon />
        </EmptyIcon>
        <EmptyTitle>{t('errors.loadFailed')}</EmptyTitle>
        <EmptyDescription>{t(errorMessageKey(query.error))}</EmptyDescription>
        <Button variant="outline" size="sm" onClick={() => void query.refetch()}>
          {t('common.retry')}
        </Button>
      </Empty>
    );
  }

  if (items.length === 0) {
    return (
      <Empty data-testid="inbox-empty">
        <EmptyIcon>
          <InboxIcon />
        </EmptyIcon>
        <EmptyTitle>{t('inbox.empty.title')}</EmptyTitle>
        <EmptyDescription>
          {filtered ? t('inbox.empty.filtered') : t('inbox.empty.description')}
        </EmptyDescription>
      </Empty>
    );
  }

  return (
    <div ref={scrollRef} className="min-h-0 flex-1 overflow-y-auto" data-testid="conversation-list">
      <ul
        aria-label={t('inbox.list')}
        className="relative w-full"
        style={{ height: virtualizer.getTotalSize() }}
      >
        {virtualItems.map((row) => {
          const conversation = items[row.index];
          if (!conversation) return null;
          return (
            <li
              key={row.key}
              className="absolute top-0 left-0 w-full"
              style={{ height: row.size, transform: `translateY(${row.start}px)` }}
            >
              <ConversationListItem
                conversation={conversation}
                href={hrefFor(conversation.id)}
                now={now}
              />
            </li>
          );
        })}
      </ul>
      {isFetchingNextPage ? <ConversationListSkeleton rows={2} /> : null}
    </div>
  );
}
