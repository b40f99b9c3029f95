import { infiniteQueryOptions } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Message, Page } from '@/types/api';

import { conversationKeys } from './get-conversations';

export const MESSAGES_PAGE_SIZE = 50;

/**
 * Pages go back in time: pages[0] is the newest page; each page is oldest-first. The next
 * page asks for what came `before` the oldest message we hold.
 */
export const messagesQueryOptions = (conversationId: string) =>
  infiniteQueryOptions({
    queryKey: conversationKeys.messages(conversationId),
    queryFn: ({ pageParam, signal }) =>
      api.get<Page<Message>>(`/api/conversations/${conversationId}/messages`, {
        query: { before: pageParam, limit: MESSAGES_PAGE_SIZE },
        signal,
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (lastPage) =>
      lastPage.next_cursor !== null && lastPage.items.length > 0
        ? (lastPage.items[0]?.id ?? null)
        : null,
  });
