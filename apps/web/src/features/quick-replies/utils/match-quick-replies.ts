import type { QuickReply } from '@/types/api';

/**
 * The replies whose shortcut or text contains `query` (case-insensitive, as the server
 * searches), best first: exact shortcut, shortcut prefix, shortcut anywhere, then text.
 */
export function matchQuickReplies(replies: QuickReply[], query: string): QuickReply[] {
  const needle = query.trim().toLowerCase();
  if (!needle) return replies;
  const rank = (reply: QuickReply) => {
    if (reply.shortcut === needle) return 0;
    if (reply.shortcut.startsWith(needle)) return 1;
    if (reply.shortcut.includes(needle)) return 2;
    if (reply.text.toLowerCase().includes(needle)) return 3;
    return -1;
  };
  return replies
    .map((reply) => ({ reply, rank: rank(reply) }))
    .filter((entry) => entry.rank >= 0)
    .sort((a, b) => a.rank - b.rank)
    .map((entry) => entry.reply);
}
