import * as React from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';

import { useUser } from '@/lib/auth';
import { throttle, useSocketEvent } from '@/lib/socket';
import type { Conversation, ConversationFilters, Me } from '@/types/api';

import { conversationKeys } from '../api/get-conversations';
import {
  appendMessage,
  applyMessageStatus,
  applyStatusToMessage,
  matchesFilters,
  patchConversationInList,
  patchMessage,
  upsertConversation,
  type ConversationPages,
  type MessagePages,
} from './inbox-cache';

/** Fold a fresh conversation object into the detail cache and every cached list. */
export function applyConversationToCaches(
  queryClient: QueryClient,
  conversation: Conversation,
  me: Pick<Me, 'id' | 'teams'>,
) {
  queryClient.setQueryData(conversationKeys.detail(conversation.id), conversation);
  const lists = queryClient.getQueriesData<ConversationPages>({
    queryKey: conversationKeys.lists(),
  });
  for (const [key, data] of lists) {
    if (!data) continue;
    const filters = key[2] as ConversationFilters;
    const belongs = matchesFilters(conversation, filters, me);
    if (belongs === null) {
      void queryClient.invalidateQueries({ queryKey: key, exact: true });
    } else {
      queryClient.setQueryData<ConversationPages>(
        key,
        upsertConversation(data, conversation, belongs),
      );
    }
  }
}

/**
 * Turns socket events into cache updates so lists and threads change live without reload.
 * Mount once for the authenticated app.
 */
export function useConversationEvents() {
  const queryClient = useQueryClient();
  const me = useUser();

  const refreshCounts = React.useMemo(
    () =>
      throttle(
        () => void queryClient.invalidateQueries({ queryKey: conversationKeys.counts() }),
        2000,
      ),
    [queryClient],
  );
  React.useEffect(() => refreshCounts.cancel, [refreshCounts]);

  const onConversation = ({ conversation }: { conversation: Conversation }) => {
    if (me) applyConversationToCaches(queryClient, conversation, me);
    refreshCounts();
  };

  useSocketEvent('message:new', ({ conversation, message }) => {
    queryClient.setQueryData<MessagePages>(conversationKeys.messages(conversation.id), (data) =>
      data ? appendMessage(data, message) : data,
    );
    onConversation({ conversation });
  });

  useSocketEvent('message:status', ({ conversation_id, message_id, status, error }) => {
    queryClient.setQueryData<MessagePages>(conversationKeys.messages(conversation_id), (data) =>
      data ? applyMessageStatus(data, message_id, status, error) : data,
    );
    const patchLast = (c: Conversation): Conversation =>
      c.last_message?.id === message_id
        ? { ...c, last_message: applyStatusToMessage(c.last_message, status, error) }
        : c;
    queryClient.setQueryData<Conversation>(conversationKeys.detail(conversation_id), (c) =>
      c ? patchLast(c) : c,
    );
    for (const [key, data] of queryClient.getQueriesData<ConversationPages>({
      queryKey: conversationKeys.lists(),
    })) {
      if (data)
        queryClient.setQueryData(key, patchConversationInList(data, conversation_id, patchLast));
    }
  });

  useSocketEvent('message:updated', ({ conversation, message }) => {
    queryClient.setQueryData<MessagePages>(conversationKeys.messages(conversation.id), (data) =>
      data ? patchMessage(data, message) : data,
    );
    onConversation({ conversation });
  });

  useSocketEvent('conversation:assigned', onConversation);
  useSocketEvent('conversation:transferred', onConversation);
  useSocketEvent('conversation:updated', onConversation);
}
