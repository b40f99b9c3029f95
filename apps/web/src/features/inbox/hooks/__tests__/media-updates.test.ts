import { describe, expect, it } from 'vitest';

import { makeMessage } from '@/testing/data';

import { mediaKindFor } from '../../api/send-media';
import { patchMessage, type MessagePages } from '../inbox-cache';

describe('message:updated', () => {
  it('swaps in the ready media, keeping the quote and the furthest status', () => {
    const pendingMedia = {
      mime_type: 'image/png',
      size: null,
      filename: null,
      caption: null,
      status: 'pending' as const,
      url: null,
    };
    const pending = makeMessage({
      id: 'm1',
      type: 'image',
      direction: 'outbound',
      status: 'read',
      sender: { id: 'u1', name: 'Ana' },
      reply_to: { id: 'm0', wamid: 'wamid.0', text: 'foto?', direction: 'inbound' },
      media: pendingMedia,
    });
    const other = makeMessage({ id: 'm2' });
    const data: MessagePages = {
      pages: [{ items: [pending, other], next_cursor: null }],
      pageParams: [null],
    };
    const ready = {
      ...pending,
      status: 'sent',
      sender: null,
      reply_to: null,
      media: { ...pendingMedia, status: 'ready' as const, size: 10, url: '/api/media/m1?x' },
    };

    const patched = patchMessage(data, ready);

    const [first, second] = patched.pages[0]?.items ?? [];
    expect(first?.media?.status).toBe('ready');
    expect(first?.media?.url).toBe('/api/media/m1?x');
    expect(first?.status).toBe('read');
    expect(first?.reply_to?.text).toBe('foto?');
    expect(first?.sender?.name).toBe('Ana');
    expect(second).toBe(other);
  });

  it('leaves threads that do not hold the message alone', () => {
    const data: MessagePages = {
      pages: [{ items: [makeMessage({ id: 'a' })], next_cursor: null }],
      pageParams: [null],
    };
    const patched = patchMessage(data, makeMessage({ id: 'zzz' }));
    expect(patched.pages[0]?.items.map((m) => m.id)).toEqual(['a']);
  });
});

describe('mediaKindFor', () => {
  it('sends each type as the kind WhatsApp takes it as', () => {
    expect(mediaKindFor('image/png')).toBe('image');
    expect(mediaKindFor('image/webp')).toBe('sticker');
    expect(mediaKindFor('audio/ogg; codecs=opus')).toBe('audio');
    expect(mediaKindFor('video/3gpp')).toBe('video');
    expect(mediaKindFor('application/pdf')).toBe('document');
    expect(mediaKindFor('text/plain')).toBe('document');
  });
});
