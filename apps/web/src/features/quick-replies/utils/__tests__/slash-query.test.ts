import { describe, expect, it } from 'vitest';

import type { QuickReply } from '@/types/api';

import { matchQuickReplies } from '../match-quick-replies';
import { findSlashQuery } from '../slash-query';

describe('findSlashQuery', () => {
  it('finds a "/" at the start of the text', () => {
    expect(findSlashQuery('/', 1)).toEqual({ start: 0, end: 1, query: '' });
    expect(findSlashQuery('/bom', 4)).toEqual({ start: 0, end: 4, query: 'bom' });
  });

  it('finds a "/" after whitespace, and takes the whole token under the caret', () => {
    expect(findSlashQuery('Oi! /bo', 7)).toEqual({ start: 4, end: 7, query: 'bo' });
    expect(findSlashQuery('linha\n/bom-dia tudo', 9)).toEqual({
      start: 6,
      end: 14,
      query: 'bom-dia',
    });
  });

  it('ignores a "/" inside a word, a URL or a path, and a caret outside the token', () => {
    expect(findSlashQuery('1/2', 3)).toBeNull();
    expect(findSlashQuery('https://exemplo.com', 19)).toBeNull();
    expect(findSlashQuery('/home/ana', 9)).toBeNull();
    expect(findSlashQuery('/bom dia', 8)).toBeNull();
    expect(findSlashQuery('/bom', 0)).toBeNull();
    expect(findSlashQuery('', 5)).toBeNull();
  });
});

function reply(shortcut: string, text: string): QuickReply {
  return {
    id: shortcut,
    shortcut,
    text,
    team: null,
    owner: { id: 'u1', name: 'Ana' },
    can_edit: true,
    created_at: '2026-03-10T12:00:00Z',
    updated_at: '2026-03-10T12:00:00Z',
  };
}

describe('matchQuickReplies', () => {
  const replies = [
    reply('boleto', 'Segue o boleto'),
    reply('bom-dia', 'Bom dia!'),
    reply('entrega', 'Prazo: 3 dias'),
    reply('obrigado', 'Obrigado pelo contato, BOM atendimento'),
    reply('tchau', 'Até logo'),
  ];

  it('keeps everything for an empty query', () => {
    expect(matchQuickReplies(replies, '')).toEqual(replies);
  });

  it('matches shortcut or text case-insensitively, shortcut prefixes first', () => {
    expect(matchQuickReplies(replies, 'BO').map((r) => r.shortcut)).toEqual([
      'boleto',
      'bom-dia',
      'obrigado',
    ]);
    expect(matchQuickReplies(replies, 'bom').map((r) => r.shortcut)).toEqual([
      'bom-dia',
      'obrigado',
    ]);
    expect(matchQuickReplies(replies, 'prazo').map((r) => r.shortcut)).toEqual(['entrega']);
    expect(matchQuickReplies(replies, 'xyz')).toEqual([]);
  });
});
