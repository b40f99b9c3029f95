import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Me, Message, TemplateSend } from '@/types/api';

import {
  OPTIMISTIC_PREFIX,
  appendMessage,
  replaceMessage,
  type MessagePages,
} from '../hooks/inbox-cache';
import { conversationKeys } from './get-conversations';

export function sendText(conversationId: string, text: string) {
  return api.post<Message>(`/api/conversations/${conversationId}/messages`, { type: 'text', text });
}

export function sendTemplate(conversationId: string, template: TemplateSend) {
  return api.post<Message>(`/api/conversations/${conversationId}/messages`, {
    type: 'template',
    template,
  });
}

let optimisticSeq = 0;

export function makeOptimisticMessage(
  conversationId: string,
  text: string,
  sender: Pick<Me, 'id' | 'name'> | undefined,
): Message {
  const now = new Date().toISOString();
  optimisticSeq += 1;
  return {
    id: `${OPTIMISTIC_PREFIX}${Date.now()}-${optimisticSeq}`,
    conversation_id: conversationId,
    direction: 'outbound',
    type: 'text',
    text,
    status: 'queued',
    wamid: null,
    sender: sender ? { id: sender.id, name: sender.name } : null,
    error: null,
    reply_to: null,
    created_at: now,
    timestamp: now,
  };
}

/** Sends a text and shows it at once as `queued`; the 202 reply swaps in the real message. */
export function useSendMessage(
  conversationId: string,
  sender: Pick<Me, 'id' | 'name'> | undefined,
) {
  const queryClient = useQueryClient();
  const key = conversationKeys.messages(conversationId);
  return useMutation({
    mutationFn: (text: string) => sendText(conversationId, text),
    onMutate: async (text) => {
      await queryClient.cancelQueries({ queryKey: key });
      const optimistic = makeOptimisticMessage(conversationId, text, sender);
      queryClient.setQueryData<MessagePages>(key, (data) =>
        appendMessage(data ?? { pages: [], pageParams: [] }, optimistic),
      );
      return { optimisticId: optimistic.id };
    },
    onSuccess: (message, _text, context) => {
      queryClient.setQueryData<MessagePages>(key, (data) =>
        data ? replaceMessage(data, context.optimisticId, message) : data,
      );
    },
    onError: (_error, _text, context) => {
      if (!context) return;
      queryClient.setQueryData<MessagePages>(key, (data) =>
        data
          ? {
              ...data,
              pages: data.pages.map((p) => ({
                ...p,
                items: p.items.map((m) =>
                  m.id === context.optimisticId ? { ...m, status: 'failed' } : m,
                ),
              })),
            }
          : data,
      );
    },
  });
}

/**
 * Sends an approved template (the one kind of message allowed outside the 24-hour window);
 * the 202 reply, the queued message, joins the thread at once.
 */
export function useSendTemplate(conversationId: string) {
  const queryClient = useQueryClient();
  const key = conversationKeys.messages(conversationId);
  return useMutation({
    mutationFn: (template: TemplateSend) => sendTemplate(conversationId, template),
    onSuccess: (message) => {
      queryClient.setQueryData<MessagePages>(key, (data) =>
        appendMessage(data ?? { pages: [], pageParams: [] }, message),
      );
    },
    // The template dialog shows the error next to the form.
    meta: { silent: true },
  });
}
