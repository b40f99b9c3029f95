import type { Conversation, Message } from '@/types/api';

import type { ComposerBlock } from '../components/composer';

export type WindowState =
  { kind: 'open'; remainingSeconds: number } | { kind: 'closed' } | { kind: 'none' };

/** The 24-hour customer service window: free-form replies only while it is open. */
export function getWindowState(
  expiresAt: Conversation['window_expires_at'],
  now: number,
): WindowState {
  if (!expiresAt) return { kind: 'none' };
  const remaining = (new Date(expiresAt).getTime() - now) / 1000;
  return remaining > 0 ? { kind: 'open', remainingSeconds: remaining } : { kind: 'closed' };
}

export function composerBlock(conversation: Conversation, now: number): ComposerBlock {
  if (conversation.status === 'resolved') return 'resolved';
  const state = getWindowState(conversation.window_expires_at, now);
  if (state.kind === 'none') return 'no-window';
  if (state.kind === 'closed') return 'window-closed';
  return null;
}

export type ThreadRow =
  { kind: 'day'; key: string; date: string } | { kind: 'message'; key: string; message: Message };

function dayKey(iso: string) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function groupByDay(messages: Message[]): ThreadRow[] {
  const rows: ThreadRow[] = [];
  let current = '';
  for (const message of messages) {
    const at = message.timestamp ?? message.created_at;
    const key = dayKey(at);
    if (key !== current) {
      current = key;
      rows.push({ kind: 'day', key: `day-${key}`, date: at });
    }
    rows.push({ kind: 'message', key: message.id, message });
  }
  return rows;
}
