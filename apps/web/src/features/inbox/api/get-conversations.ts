import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Conversation, ConversationFilters, ConversationView, Page } from '@/types/api';

export const PAGE_SIZE = 50;

export const conversationKeys = {
  all: ['conversations'] as const,
  lists: () => ['conversations', 'list'] as const,
  list: (filters: ConversationFilters) => ['conversations', 'list', filters] as const,
  counts: () => ['conversations', 'count'] as const,
  count: (view: ConversationView) => ['conversations', 'count', view] as const,
  detail: (id: string) => ['conversations', 'detail', id] as const,
  messages: (id: string) => ['conversations', 'messages', id] as const,
};

export function getConversations(
  filters: ConversationFilters,
  cursor: string | null,
  signal?: AbortSignal,
  limit = PAGE_SIZE,
) {
  return api.get<Page<Conversation>>('/api/conversations', {
    query: { ...filters, cursor, limit },
    signal,
  });
}

export const conversationsQueryOptions = (filters: ConversationFilters) =>
  infiniteQueryOptions({
    queryKey: conversationKeys.list(filters),
    queryFn: ({ pageParam, signal }) => getConversations(filters, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (lastPage) => lastPage.next_cursor,
  });

const COUNT_LIMIT = 100;

/**
 * api.md has no count endpoint: count open conversations per view from one page of up to
 * COUNT_LIMIT rows ("99+" past that). Refreshed by throttled invalidation on events.
 */
export const conversationCountQueryOptions = (view: ConversationView) =>
  queryOptions({
    queryKey: conversationKeys.count(view),
    queryFn: async ({ signal }) => {
      const page = await getConversations({ view, status: 'open' }, null, signal, COUNT_LIMIT);
      return { count: page.items.length, more: page.next_cursor !== null };
    },
    staleTime: 15_000,
  });
