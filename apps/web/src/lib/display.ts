import type { Contact } from '@/types/api';

/** "+55 11 98765-4321"-ish grouping for E.164 digits; leaves anything else as it is. */
export function formatPhone(digits: string | null | undefined): string {
  if (!digits) return '';
  const d = digits.replace(/\D/g, '');
  if (d.startsWith('55') && (d.length === 12 || d.length === 13)) {
    const local = d.slice(4);
    const split = local.length - 4;
    return `+55 ${d.slice(2, 4)} ${local.slice(0, split)}-${local.slice(split)}`;
  }
  return d ? `+${d}` : digits;
}

export function contactDisplayName(contact: Pick<Contact, 'name' | 'wa_id' | 'user_id'>): string {
  return contact.name?.trim() || formatPhone(contact.wa_id) || contact.user_id || '—';
}

export function initials(name: string): string {
  const parts = name
    .replace(/[^\p{L}\p{N} ]/gu, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (parts.length === 0) return '#';
  const first = parts[0]?.[0] ?? '';
  const last = parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? '') : '';
  return (first + last).toUpperCase();
}
