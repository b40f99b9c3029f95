import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Conversation } from '@/types/api';

import { patchConversationInList, type ConversationPages } from '../hooks/inbox-cache';
import { conversationKeys } from './get-conversations';

export function useMarkRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (conversationId: string) =>
      api.post<unknown>(`/api/conversations/${conversationId}/read`),
    // The badge clears at once; the server confirms with conversation:updated.
    onMutate: (conversationId) => {
      const clear = (c: Conversation): Conversation => ({ ...c, unread_count: 0 });
      queryClient.setQueryData<Conversation>(conversationKeys.detail(conversationId), (c) =>
        c ? clear(c) : c,
      );
      for (const [key, data] of queryClient.getQueriesData<ConversationPages>({
        queryKey: conversationKeys.lists(),
      })) {
        if (data)
          queryClient.setQueryData(key, patchConversationInList(data, conversationId, clear));
      }
    },
    meta: { silent: true },
  });
}
