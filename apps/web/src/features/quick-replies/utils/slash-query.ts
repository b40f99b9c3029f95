export interface SlashQuery {
  /** Index of the "/". */
  start: number;
  /** End of the token (the next whitespace or the end of the text). */
  end: number;
  /** What follows the "/", up to `end`. */
  query: string;
}

const MAX_QUERY_LENGTH = 64;

/**
 * The `/query` token under the caret, when the "/" starts the text or follows whitespace
 * (so URLs and fractions such as "1/2" never open the picker); null otherwise.
 */
export function findSlashQuery(text: string, caret: number): SlashQuery | null {
  const isSpace = (index: number) => /\s/.test(text.charAt(index));
  let start = Math.min(caret, text.length) - 1;
  while (start >= 0 && !isSpace(start) && text.charAt(start) !== '/') start -= 1;
  if (start < 0 || text.charAt(start) !== '/') return null;
  if (start > 0 && !isSpace(start - 1)) return null;
  let end = Math.max(caret, start + 1);
  while (end < text.length && !isSpace(end)) end += 1;
  const query = text.slice(start + 1, end);
  if (query.includes('/') || query.length > MAX_QUERY_LENGTH) return null;
  return { start, end, query };
}
