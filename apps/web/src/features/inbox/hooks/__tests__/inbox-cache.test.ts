import { describe, expect, it } from 'vitest';

import { makeConversation, makeMe, makeMessage } from '@/testing/data';
import { createTestQueryClient } from '@/testing/render';
import type { Conversation, ConversationFilters } from '@/types/api';

import { conversationKeys } from '../../api/get-conversations';
import { makeOptimisticMessage } from '../../api/send-message';
import {
  appendMessage,
  applyMessageStatus,
  flattenMessages,
  matchesFilters,
  nextStatus,
  upsertConversation,
  type ConversationPages,
  type MessagePages,
} from '../inbox-cache';
import { applyConversationToCaches } from '../use-conversation-events';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 10, 12, minute)).toISOString();

function pages(...items: Conversation[][]): ConversationPages {
  return {
    pages: items.map((list, i) => ({
      items: list,
      next_cursor: i < items.length - 1 ? `c${i}` : null,
    })),
    pageParams: items.map((_, i) => (i === 0 ? null : `c${i - 1}`)),
  };
}

const ids = (data: ConversationPages | undefined) =>
  (data?.pages ?? []).flatMap((p) => p.items.map((c) => c.id));
const me = makeMe();

describe('message:new applied to a cached conversation list', () => {
  const a = makeConversation({ id: 'a', last_message_at: at(30) });
  const b = makeConversation({ id: 'b', last_message_at: at(20) });
  const c = makeConversation({ id: 'c', last_message_at: at(10) });

  it('moves a conversation with a new message to the top', () => {
    const updated = { ...c, last_message_at: at(40), unread_count: 1 };
    const result = upsertConversation(pages([a, b], [c]), updated, true);
    expect(ids(result)).toEqual(['c', 'a', 'b']);
    expect(result.pages[0]?.items[0]?.unread_count).toBe(1);
  });

  it('adds a brand-new conversation at its place without reload', () => {
    const fresh = makeConversation({ id: 'new', last_message_at: at(25) });
    expect(ids(upsertConversation(pages([a, b, c]), fresh, true))).toEqual(['a', 'new', 'b', 'c']);
  });

  it('does not append an old conversation past the loaded pages while more remain', () => {
    const old = makeConversation({ id: 'old', last_message_at: at(1) });
    expect(ids(upsertConversation(pages([a], [b]), old, true))).toEqual(['a', 'b', 'old']);
    const partial: ConversationPages = {
      pages: [{ items: [a, b], next_cursor: 'more' }],
      pageParams: [null],
    };
    expect(ids(upsertConversation(partial, old, true))).toEqual(['a', 'b']);
  });

  it('removes a conversation that no longer belongs (e.g. taken from Unassigned)', () => {
    expect(ids(upsertConversation(pages([a, b, c]), b, false))).toEqual(['a', 'c']);
  });

  it('never duplicates a conversation', () => {
    const twice = upsertConversation(upsertConversation(pages([a, b]), a, true), a, true);
    expect(ids(twice)).toEqual(['a', 'b']);
  });
});

describe('matchesFilters', () => {
  const conv = makeConversation({ assignee: null, team: { id: 'team-sales', name: 'Vendas' } });
  const f = (over: Partial<ConversationFilters>): ConversationFilters => ({ view: 'all', ...over });

  it('decides view membership on the client', () => {
    expect(matchesFilters(conv, f({ view: 'unassigned' }), me)).toBe(true);
    expect(matchesFilters(conv, f({ view: 'mine' }), me)).toBe(false);
    expect(matchesFilters(conv, f({ view: 'team' }), me)).toBe(true);
    const mine = { ...conv, assignee: { id: me.id, name: me.name } };
    expect(matchesFilters(mine, f({ view: 'mine' }), me)).toBe(true);
    expect(matchesFilters(mine, f({ view: 'unassigned' }), me)).toBe(false);
  });

  it('applies status, number and team filters', () => {
    expect(matchesFilters(conv, f({ status: 'resolved' }), me)).toBe(false);
    expect(matchesFilters(conv, f({ number_id: 'other' }), me)).toBe(false);
    expect(matchesFilters(conv, f({ team_id: 'team-sales' }), me)).toBe(true);
  });

  it('leaves text search to the server', () => {
    expect(matchesFilters(conv, f({ q: 'maria' }), me)).toBeNull();
  });
});

describe('applyConversationToCaches', () => {
  it('updates every cached list according to its own filters', () => {
    const qc = createTestQueryClient();
    const conv = makeConversation({ id: 'x', last_message_at: at(5) });
    const other = makeConversation({ id: 'y', last_message_at: at(1) });
    const unassignedKey = conversationKeys.list({ view: 'unassigned', status: 'open' });
    const mineKey = conversationKeys.list({ view: 'mine', status: 'open' });
    qc.setQueryData(unassignedKey, pages([other]));
    qc.setQueryData(mineKey, pages([]));

    // A new inbound message on an unassigned conversation.
    applyConversationToCaches(qc, { ...conv, last_message_at: at(6) }, me);
    expect(ids(qc.getQueryData<ConversationPages>(unassignedKey))).toEqual(['x', 'y']);
    expect(ids(qc.getQueryData<ConversationPages>(mineKey))).toEqual([]);

    // Then I take it: it leaves Unassigned and shows up in Mine.
    applyConversationToCaches(qc, { ...conv, assignee: { id: me.id, name: me.name } }, me);
    expect(ids(qc.getQueryData<ConversationPages>(unassignedKey))).toEqual(['y']);
    expect(ids(qc.getQueryData<ConversationPages>(mineKey))).toEqual(['x']);
    expect(qc.getQueryData<Conversation>(conversationKeys.detail('x'))?.assignee?.id).toBe(me.id);
  });
});

describe('thread cache', () => {
  const m1 = makeMessage({ id: 'm1', created_at: at(1) });
  const m2 = makeMessage({ id: 'm2', created_at: at(2) });
  const m0 = makeMessage({ id: 'm0', created_at: at(0) });
  const thread: MessagePages = {
    pages: [
      { items: [m1, m2], next_cursor: 'older' },
      { items: [m0], next_cursor: null },
    ],
    pageParams: [null, 'm1'],
  };

  it('flattens back-in-time pages oldest first', () => {
    expect(flattenMessages(thread).map((m) => m.id)).toEqual(['m0', 'm1', 'm2']);
  });

  it('appends new messages to the newest page once', () => {
    const m3 = makeMessage({ id: 'm3', created_at: at(3) });
    const once = appendMessage(thread, m3);
    const twice = appendMessage(once, m3);
    expect(flattenMessages(twice).map((m) => m.id)).toEqual(['m0', 'm1', 'm2', 'm3']);
  });

  it('replaces the optimistic copy when the real message arrives by socket first', () => {
    const optimistic = makeOptimisticMessage('conv-1', 'Oi Maria', { id: 'u', name: 'Ana' });
    const withOptimistic = appendMessage(thread, optimistic);
    const real = makeMessage({
      id: 'real',
      direction: 'outbound',
      text: 'Oi Maria',
      status: 'queued',
    });
    const result = flattenMessages(appendMessage(withOptimistic, real));
    expect(result.map((m) => m.id)).toEqual(['m0', 'm1', 'm2', 'real']);
  });

  it('moves delivery status forward only, failures included', () => {
    const out = makeMessage({ id: 'o', direction: 'outbound', status: 'sent' });
    let data: MessagePages = { pages: [{ items: [out], next_cursor: null }], pageParams: [null] };
    const status = () => flattenMessages(data)[0]?.status;
    data = applyMessageStatus(data, 'o', 'read', null);
    expect(status()).toBe('read');
    data = applyMessageStatus(data, 'o', 'delivered', null);
    expect(status()).toBe('read');
    data = applyMessageStatus(data, 'o', 'failed', { code: 131026, title: 'Undeliverable' });
    expect(status()).toBe('failed');
    expect(flattenMessages(data)[0]?.error).toEqual({ code: 131026, title: 'Undeliverable' });
    expect(nextStatus('failed', 'read')).toBe('failed');
  });
});
