import * as React from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { MessageSquareIcon } from 'lucide-react';

import { Button } from '@/components/ui/button';
import { Empty, EmptyIcon, EmptyTitle } from '@/components/ui/empty';
import { Skeleton } from '@/components/ui/skeleton';
import { useI18n } from '@/lib/i18n/i18n-provider';

import { messagesQueryOptions } from '../api/get-messages';
import { flattenMessages } from '../hooks/inbox-cache';
import { groupByDay } from '../utils/conversation-state';
import { MessageBubble } from './message-bubble';

function DaySeparator({ date }: { date: string }) {
  const { t, fmt } = useI18n();
  const d = new Date(date);
  const today = new Date();
  const yesterday = new Date();
  yesterday.setDate(today.getDate() - 1);
  const label =
    d.toDateString() === today.toDateString()
      ? t('thread.today')
      : d.toDateString() === yesterday.toDateString()
        ? t('thread.yesterday')
        : fmt.longDate(d);
  return (
    <div role="separator" aria-label={label} className="my-2 flex justify-center">
      <span className="rounded-md bg-background/80 px-2.5 py-0.5 text-xs text-muted-foreground shadow-xs">
        {label}
      </span>
    </div>
  );
}

export function ThreadSkeleton() {
  return (
    <div className="flex flex-1 flex-col gap-3 p-4" aria-hidden="true">
      <Skeleton className="h-10 w-1/2 self-start" />
      <Skeleton className="h-14 w-2/3 self-end" />
      <Skeleton className="h-10 w-1/3 self-start" />
      <Skeleton className="h-10 w-1/2 self-end" />
    </div>
  );
}

export function MessageThread({ conversationId }: { conversationId: string }) {
  const { t } = useI18n();
  const query = useInfiniteQuery(messagesQueryOptions(conversationId));
  const messages = React.useMemo(() => flattenMessages(query.data), [query.data]);
  const rows = React.useMemo(() => groupByDay(messages), [messages]);
  const scrollRef = React.useRef<HTMLDivElement>(null);
  const snapshot = React.useRef({ firstId: '', lastId: '', height: 0, atBottom: true });

  // Keep the view anchored: stick to the bottom for new messages when already there, and
  // keep the same message in view when older pages are prepended.
  React.useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const firstId = messages[0]?.id ?? '';
    const lastId = messages[messages.length - 1]?.id ?? '';
    const prev = snapshot.current;
    if (prev.firstId && firstId !== prev.firstId && lastId === prev.lastId) {
      el.scrollTop += el.scrollHeight - prev.height;
    } else if (prev.atBottom || !prev.lastId) {
      el.scrollTop = el.scrollHeight;
    }
    snapshot.current = {
      firstId,
      lastId,
      height: el.scrollHeight,
      atBottom: snapshot.current.atBottom,
    };
  }, [messages]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    snapshot.current.atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    snapshot.current.height = el.scrollHeight;
    if (el.scrollTop < 120 && query.hasNextPage && !query.isFetchingNextPage) {
      void query.fetchNextPage();
    }
  };

  if (query.isPending) return <ThreadSkeleton />;

  return (
    <div
      ref={scrollRef}
      onScroll={onScroll}
      className="min-h-0 flex-1 overflow-y-auto bg-thread"
      data-testid="message-thread"
    >
      <div
        role="log"
        aria-label={t('thread.messages')}
        aria-live="polite"
        className="mx-auto flex max-w-3xl flex-col gap-1.5 p-3 sm:p-4"
      >
        {query.hasNextPage ? (
          <Button
            variant="ghost"
            size="sm"
            className="self-center"
            disabled={query.isFetchingNextPage}
            onClick={() => void query.fetchNextPage()}
          >
            {query.isFetchingNextPage ? t('common.loading') : t('thread.loadOlder')}
          </Button>
        ) : null}
        {rows.length === 0 ? (
          <Empty>
            <EmptyIcon>
              <MessageSquareIcon />
            </EmptyIcon>
            <EmptyTitle>{t('thread.empty')}</EmptyTitle>
          </Empty>
        ) : (
          rows.map((row) =>
            row.kind === 'day' ? (
              <DaySeparator key={row.key} date={row.date} />
            ) : (
              <MessageBubble key={row.key} message={row.message} />
            ),
          )
        )}
      </div>
    </div>
  );
}
