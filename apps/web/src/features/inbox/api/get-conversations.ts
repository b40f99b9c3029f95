import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Conversation, ConversationCounts, ConversationFilters, Page } from '@/types/api';

export const PAGE_SIZE = 50;

export const conversationKeys = {
  all: ['conversations'] as const,
  lists: () => ['conversations', 'list'] as const,
  list: (filters: ConversationFilters) => ['conversations', 'list', filters] as const,
  counts: () => ['conversations', 'count'] as const,
  count: (numberId?: string) => ['conversations', 'count', numberId ?? null] as const,
  detail: (id: string) => ['conversations', 'detail', id] as const,
  messages: (id: string) => ['conversations', 'messages', id] as const,
};

export function getConversations(
  filters: ConversationFilters,
  cursor: string | null,
  signal?: AbortSignal,
) {
  return api.get<Page<Conversation>>('/api/conversations', {
    query: { ...filters, cursor, limit: PAGE_SIZE },
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

/** Open conversations per inbox tab (`all` only for ADMIN/SUPERVISOR), optionally for one number. */
export function getConversationCounts(numberId?: string, signal?: AbortSignal) {
  return api.get<ConversationCounts>('/api/conversations/counts', {
    query: { number_id: numberId },
    signal,
  });
}

/** Refreshed by throttled invalidation on socket events and after every action. */
export const conversationCountsQueryOptions = (numberId?: string) =>
  queryOptions({
    queryKey: conversationKeys.count(numberId),
    queryFn: ({ signal }) => getConversationCounts(numberId, signal),
    staleTime: 15_000,
  });
