import type { InfiniteData } from '@tanstack/react-query';

import type {
  Conversation,
  ConversationFilters,
  Me,
  Message,
  MessageError,
  MessageStatus,
  Page,
} from '@/types/api';

// Pure functions that fold realtime events into the TanStack Query caches. Kept free of
// React so they are easy to test and reason about.

export type ConversationPages = InfiniteData<Page<Conversation>, string | null>;
export type MessagePages = InfiniteData<Page<Message>, string | null>;

export const OPTIMISTIC_PREFIX = 'optimistic:';

export function activityTime(c: Conversation): number {
  return new Date(c.last_message_at ?? c.created_at).getTime();
}

/**
 * Whether a conversation belongs in a list with these filters. `null` when the client
 * cannot tell (a text search is decided by the server), so the caller refetches instead.
 */
export function matchesFilters(
  c: Conversation,
  filters: ConversationFilters,
  me: Pick<Me, 'id' | 'teams'>,
): boolean | null {
  if (filters.status && c.status !== filters.status) return false;
  if (filters.number_id && c.number.id !== filters.number_id) return false;
  if (filters.team_id && c.team?.id !== filters.team_id) return false;
  switch (filters.view) {
    case 'mine':
      if (c.assignee?.id !== me.id) return false;
      break;
    case 'unassigned':
      if (c.assignee !== null) return false;
      break;
    case 'team':
      if (!c.team || !me.teams.some((t) => t.id === c.team?.id)) return false;
      break;
    case 'all':
      break;
  }
  if (filters.q && filters.q.trim() !== '') return null;
  return true;
}

/**
 * Put the latest version of `conversation` where it belongs in a cached list ordered by
 * newest activity first, or take it out when it no longer matches.
 */
export function upsertConversation(
  data: ConversationPages,
  conversation: Conversation,
  belongs: boolean,
): ConversationPages {
  const pages = data.pages.map((page) => ({
    ...page,
    items: page.items.filter((c) => c.id !== conversation.id),
  }));
  if (belongs) {
    const time = activityTime(conversation);
    let inserted = false;
    for (const page of pages) {
      const index = page.items.findIndex((c) => activityTime(c) < time);
      if (index !== -1) {
        page.items.splice(index, 0, conversation);
        inserted = true;
        break;
      }
    }
    const last = pages[pages.length - 1];
    // Older than everything loaded: only append when there is nothing more to load.
    if (!inserted && last && last.next_cursor === null) last.items.push(conversation);
  }
  return { ...data, pages };
}

export function patchConversationInList(
  data: ConversationPages,
  id: string,
  patch: (c: Conversation) => Conversation,
): ConversationPages {
  let changed = false;
  const pages = data.pages.map((page) => {
    if (!page.items.some((c) => c.id === id)) return page;
    changed = true;
    return { ...page, items: page.items.map((c) => (c.id === id ? patch(c) : c)) };
  });
  return changed ? { ...data, pages } : data;
}

const statusRank: Record<MessageStatus, number> = {
  queued: 0,
  sent: 1,
  delivered: 2,
  read: 3,
  played: 4,
  failed: 5,
};

function isMessageStatus(value: unknown): value is MessageStatus {
  return typeof value === 'string' && value in statusRank;
}

/** Statuses never move backwards; `failed` is final; duplicates are no-ops. */
export function nextStatus(current: Message['status'], incoming: MessageStatus): Message['status'] {
  if (!isMessageStatus(current)) return incoming;
  if (current === 'failed') return current;
  if (incoming === 'failed') return incoming;
  return statusRank[incoming] > statusRank[current] ? incoming : current;
}

export function applyStatusToMessage(
  message: Message,
  status: MessageStatus,
  error: MessageError | null,
): Message {
  const next = nextStatus(message.status, status);
  if (next === message.status) return message;
  return { ...message, status: next, error: next === 'failed' ? error : message.error };
}

export function applyMessageStatus(
  data: MessagePages,
  messageId: string,
  status: MessageStatus,
  error: MessageError | null,
): MessagePages {
  let changed = false;
  const pages = data.pages.map((page) => {
    if (!page.items.some((m) => m.id === messageId)) return page;
    changed = true;
    return {
      ...page,
      items: page.items.map((m) =>
        m.id === messageId ? applyStatusToMessage(m, status, error) : m,
      ),
    };
  });
  return changed ? { ...data, pages } : data;
}

/**
 * Add a message to the newest page. An existing copy is replaced; an optimistic outbound
 * copy with the same text is replaced by the real one (the socket may beat the POST reply).
 */
export function appendMessage(data: MessagePages, message: Message): MessagePages {
  const exists = data.pages.some((p) => p.items.some((m) => m.id === message.id));
  if (exists) {
    return {
      ...data,
      pages: data.pages.map((p) => ({
        ...p,
        items: p.items.map((m) => (m.id === message.id ? mergeMessage(m, message) : m)),
      })),
    };
  }
  const [newest, ...rest] = data.pages;
  if (!newest) return { ...data, pages: [{ items: [message], next_cursor: null }] };
  const optimisticIndex =
    message.direction === 'outbound'
      ? newest.items.findIndex((m) => m.id.startsWith(OPTIMISTIC_PREFIX) && m.text === message.text)
      : -1;
  const items =
    optimisticIndex === -1
      ? [...newest.items, message]
      : newest.items.map((m, i) => (i === optimisticIndex ? message : m));
  return { ...data, pages: [{ ...newest, items }, ...rest] };
}

/** Keep the furthest status when two copies of a message meet. */
function mergeMessage(current: Message, incoming: Message): Message {
  if (!isMessageStatus(incoming.status)) return { ...incoming };
  const status = nextStatus(current.status, incoming.status);
  return {
    ...incoming,
    status,
    error: status === incoming.status ? incoming.error : current.error,
  };
}

export function replaceMessage(data: MessagePages, id: string, message: Message): MessagePages {
  const alreadyThere = data.pages.some((p) => p.items.some((m) => m.id === message.id));
  return {
    ...data,
    pages: data.pages.map((p) => ({
      ...p,
      items: alreadyThere
        ? p.items.filter((m) => m.id !== id)
        : p.items.map((m) => (m.id === id ? message : m)),
    })),
  };
}

/**
 * A stored message changed in place (`message:updated`: its media arrived or failed, a
 * reaction): update the copy we hold, keeping what the event does not carry (the quote,
 * the sender) and the furthest delivery status. Messages we do not hold are left out.
 */
export function patchMessage(data: MessagePages, message: Message): MessagePages {
  return {
    ...data,
    pages: data.pages.map((p) => ({
      ...p,
      items: p.items.map((m) => {
        if (m.id !== message.id) return m;
        const merged = mergeMessage(m, message);
        return {
          ...merged,
          reply_to: message.reply_to ?? m.reply_to,
          sender: message.sender ?? m.sender,
        };
      }),
    })),
  };
}

export function removeMessage(data: MessagePages, id: string): MessagePages {
  return {
    ...data,
    pages: data.pages.map((p) => ({ ...p, items: p.items.filter((m) => m.id !== id) })),
  };
}

/** Flatten the back-in-time pages into one oldest-first list. */
export function flattenMessages(data: InfiniteData<Page<Message>, unknown> | undefined): Message[] {
  if (!data) return [];
  const out: Message[] = [];
  for (let i = data.pages.length - 1; i >= 0; i--) out.push(...(data.pages[i]?.items ?? []));
  return out;
}
