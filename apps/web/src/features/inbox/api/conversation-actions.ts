import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import { useUser } from '@/lib/auth';
import type { AssignBody, Conversation, TransferBody } from '@/types/api';

import { applyConversationToCaches } from '../hooks/use-conversation-events';
import { conversationKeys } from './get-conversations';

export type ConversationAction =
  | { kind: 'assign'; body: AssignBody }
  | { kind: 'transfer'; body: TransferBody }
  | { kind: 'resolve' }
  | { kind: 'reopen' };

export function runConversationAction(id: string, action: ConversationAction) {
  const base = `/api/conversations/${id}`;
  switch (action.kind) {
    case 'assign':
      return api.post<Conversation>(`${base}/assign`, action.body);
    case 'transfer':
      return api.post<Conversation>(`${base}/transfer`, action.body);
    case 'resolve':
      return api.post<Conversation>(`${base}/resolve`);
    case 'reopen':
      return api.post<Conversation>(`${base}/reopen`);
  }
}

function isConversation(value: unknown): value is Conversation {
  return !!value && typeof value === 'object' && 'id' in value && 'status' in value;
}

/**
 * Assign, take, unassign, transfer, resolve and reopen. The reply (a conversation, per the
 * REST conventions) updates the caches at once; the socket event that follows is a no-op.
 */
export function useConversationAction(conversationId: string) {
  const queryClient = useQueryClient();
  const me = useUser();
  return useMutation({
    mutationFn: (action: ConversationAction) => runConversationAction(conversationId, action),
    onSuccess: (result) => {
      if (isConversation(result) && me) applyConversationToCaches(queryClient, result, me);
      else void queryClient.invalidateQueries({ queryKey: conversationKeys.all });
      void queryClient.invalidateQueries({ queryKey: conversationKeys.counts() });
    },
  });
}
