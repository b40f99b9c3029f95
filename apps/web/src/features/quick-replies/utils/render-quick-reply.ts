import type { Conversation } from '@/types/api';

// The server's rules (apps/api/src/atende/quick_replies/rendering.py), kept identical:
// `{{name}}` with optional spaces or tabs inside the braces; known variables with a value are
// replaced in one pass (a value is never expanded again); anything else stays as written.
const VARIABLE = /\{\{[ \t]*([A-Za-z0-9_.]+)[ \t]*\}\}/g;

export const QUICK_REPLY_VARIABLES = ['contact.name', 'agent.name', 'number.label'] as const;
export type QuickReplyVariable = (typeof QUICK_REPLY_VARIABLES)[number];
export type QuickReplyValues = Partial<Record<QuickReplyVariable, string | null>>;

export function renderQuickReply(text: string, values: QuickReplyValues): string {
  return text.replace(VARIABLE, (match, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name as QuickReplyVariable] : null;
    return value ? value : match;
  });
}

/** The contact's name, or its phone digits when the name is unknown. */
export function contactDisplayName(contact: Conversation['contact']): string | null {
  const name = (contact.name ?? '').trim();
  return name || contact.wa_id || null;
}

export function quickReplyValues(conversation: Conversation, agentName: string): QuickReplyValues {
  return {
    'contact.name': contactDisplayName(conversation.contact),
    'agent.name': agentName,
    'number.label': conversation.number.label,
  };
}
