import type { Conversation, Me, Message } from '@/types/api';

let seq = 0;
const nextId = (prefix: string) => `${prefix}-${(seq += 1).toString().padStart(4, '0')}`;

export function makeMe(overrides: Partial<Me> = {}): Me {
  return {
    id: 'user-me',
    email: 'ana@example.com',
    name: 'Ana Agent',
    role: 'AGENT',
    teams: [{ id: 'team-sales', name: 'Vendas' }],
    ...overrides,
  };
}

export function makeMessage(overrides: Partial<Message> = {}): Message {
  const at = overrides.created_at ?? new Date('2026-03-10T12:00:00Z').toISOString();
  return {
    id: nextId('msg'),
    conversation_id: 'conv-1',
    direction: 'inbound',
    type: 'text',
    text: 'Olá!',
    status: null,
    wamid: null,
    sender: null,
    error: null,
    reply_to: null,
    created_at: at,
    timestamp: at,
    ...overrides,
  };
}

export function makeConversation(overrides: Partial<Conversation> = {}): Conversation {
  const at = overrides.last_message_at ?? new Date('2026-03-10T12:00:00Z').toISOString();
  return {
    id: nextId('conv'),
    status: 'open',
    number: { id: 'num-1', label: 'Loja', display_phone_number: '+55 11 4000-0000' },
    contact: { id: nextId('contact'), name: 'Maria Silva', wa_id: '5511987654321', user_id: null },
    assignee: null,
    team: { id: 'team-sales', name: 'Vendas' },
    last_message: null,
    last_message_at: at,
    last_inbound_at: at,
    unread_count: 0,
    window_expires_at: new Date(new Date(at).getTime() + 24 * 3600_000).toISOString(),
    created_at: at,
    ...overrides,
  };
}
