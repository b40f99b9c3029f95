import { queryOptions } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Page, Transfer } from '@/types/api';

export const transferKeys = {
  all: ['transfers'] as const,
  byConversation: (conversationId: string) => ['transfers', conversationId] as const,
};

export const transfersQueryOptions = (conversationId: string) =>
  queryOptions({
    queryKey: transferKeys.byConversation(conversationId),
    queryFn: ({ signal }) =>
      api.get<Page<Transfer>>(`/api/conversations/${conversationId}/transfers`, {
        query: { limit: 200 },
        signal,
      }),
  });
