import * as React from 'react';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { api } from '@/lib/api-client';
import type { ComposerKeyHandler, ComposerTextareaAria } from '@/lib/composer-suggestions';
import { createFakeFetch, json } from '@/testing/fake-fetch';
import { renderWithProviders } from '@/testing/render';
import type { QuickReply } from '@/types/api';

import type { QuickReplyValues } from '../../utils/render-quick-reply';
import { QuickReplyPicker } from '../quick-reply-picker';

function reply(shortcut: string, text: string, team: QuickReply['team'] = null): QuickReply {
  return {
    id: `qr-${shortcut}`,
    shortcut,
    text,
    team,
    owner: { id: 'user-me', name: 'Ana Agent' },
    can_edit: true,
    created_at: '2026-03-10T12:00:00Z',
    updated_at: '2026-03-10T12:00:00Z',
  };
}

const REPLIES = [
  reply('boleto', 'Segue o boleto, {{contact.name}}.'),
  reply('bom-dia', 'Bom dia, {{contact.name}}! Aqui é {{agent.name}}, da {{number.label}}.', {
    id: 'team-sales',
    name: 'Vendas',
  }),
  reply('tchau', 'Até logo!'),
];

const VALUES: QuickReplyValues = {
  'contact.name': 'Maria',
  'agent.name': 'Ana',
  'number.label': 'Loja Centro',
};

/** A textarea host that keeps the composer's side of the contract (lib/composer-suggestions). */
function Host({ onSend }: { onSend: (text: string) => void }) {
  const [text, setText] = React.useState('');
  const [caret, setCaret] = React.useState(0);
  const [aria, setAria] = React.useState<ComposerTextareaAria>({});
  const keys = React.useRef<ComposerKeyHandler | null>(null);
  const ref = React.useRef<HTMLTextAreaElement>(null);
  const pending = React.useRef<number | null>(null);
  const onKeyHandler = React.useCallback((handler: ComposerKeyHandler | null) => {
    keys.current = handler;
  }, []);
  const replace = React.useCallback((start: number, end: number, value: string) => {
    setText((current) => current.slice(0, start) + value + current.slice(end));
    pending.current = start + value.length;
    setCaret(start + value.length);
  }, []);
  React.useLayoutEffect(() => {
    if (pending.current === null) return;
    ref.current?.setSelectionRange(pending.current, pending.current);
    pending.current = null;
  }, [text]);
  return (
    <div>
      <QuickReplyPicker
        text={text}
        caret={caret}
        replace={replace}
        onKeyHandler={onKeyHandler}
        onTextareaAria={setAria}
        values={VALUES}
      />
      <textarea
        ref={ref}
        aria-label="Message"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setCaret(e.target.selectionStart);
        }}
        onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
        onKeyDown={(e) => {
          if (keys.current?.(e)) return;
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            onSend(text);
          }
        }}
        {...aria}
      />
    </div>
  );
}

let fake: ReturnType<typeof createFakeFetch>;

beforeEach(() => {
  // Answers as the server does: shortcut or text containing `q`, case-insensitively.
  fake = createFakeFetch((call) => {
    const q = (new URL(call.url, 'http://x').searchParams.get('q') ?? '').toLowerCase();
    const items = REPLIES.filter((r) => r.shortcut.includes(q) || r.text.toLowerCase().includes(q));
    return json(200, { items, next_cursor: null });
  });
  vi.stubGlobal('fetch', fake.fetch);
});

afterEach(() => {
  vi.unstubAllGlobals();
  api.tokens.set(null);
});

function setup() {
  const onSend = vi.fn();
  renderWithProviders(<Host onSend={onSend} />);
  return { onSend, box: screen.getByRole('textbox', { name: 'Message' }) };
}

const optionNames = () =>
  screen.queryAllByTestId('quick-reply-shortcut').map((shortcut) => shortcut.textContent);

describe('QuickReplyPicker', () => {
  it('opens on "/" at the start and lists every reply with a rendered preview', async () => {
    const { box } = setup();
    await userEvent.type(box, '/');
    const listbox = await screen.findByRole('listbox', { name: 'Quick replies' });
    expect(optionNames()).toEqual(['/boleto', '/bom-dia', '/tchau']);
    expect(listbox).toHaveTextContent('Bom dia, Maria! Aqui é Ana, da Loja Centro.');
    expect(listbox).toHaveTextContent('Vendas');
    expect(listbox).toHaveTextContent('Personal');
    expect(box).toHaveAttribute('aria-controls', listbox.id);
    expect(box).toHaveAttribute('aria-activedescendant', screen.getAllByRole('option')[0]?.id);
  });

  it('filters by shortcut or text as the query grows', async () => {
    const { box } = setup();
    await userEvent.type(box, '/bo');
    await waitFor(() => expect(optionNames()).toEqual(['/boleto', '/bom-dia']));
    await userEvent.type(box, 'm');
    await waitFor(() => expect(optionNames()).toEqual(['/bom-dia']));
    await userEvent.clear(box);
    await userEvent.type(box, '/logo');
    await waitFor(() => expect(optionNames()).toEqual(['/tchau']));
    expect(fake.calls.at(-1)?.url).toContain('q=logo');
  });

  it('says so when nothing matches, and Enter then sends the text as typed', async () => {
    const { box, onSend } = setup();
    await userEvent.type(box, '/xyz');
    expect(await screen.findByRole('status')).toHaveTextContent('No quick reply matches “/xyz”.');
    await userEvent.keyboard('{Enter}');
    expect(onSend).toHaveBeenCalledWith('/xyz');
  });

  it('moves with the arrow keys and replaces the "/query" with the rendered text on Enter', async () => {
    const { box, onSend } = setup();
    await userEvent.type(box, 'Olá! /');
    await screen.findByRole('listbox');
    await userEvent.keyboard('{ArrowDown}');
    expect(screen.getByRole('option', { name: /bom-dia/ })).toHaveAttribute(
      'aria-selected',
      'true',
    );
    await userEvent.keyboard('{ArrowDown}{ArrowDown}{ArrowUp}{ArrowUp}');
    expect(screen.getByRole('option', { name: /bom-dia/ })).toHaveAttribute(
      'aria-selected',
      'true',
    );
    expect(box).toHaveAttribute(
      'aria-activedescendant',
      screen.getByRole('option', { name: /bom-dia/ }).id,
    );
    await userEvent.keyboard('{Enter}');

    expect(onSend).not.toHaveBeenCalled();
    expect(box).toHaveValue('Olá! Bom dia, Maria! Aqui é Ana, da Loja Centro.');
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    expect(box).not.toHaveAttribute('aria-controls');
    expect((box as HTMLTextAreaElement).selectionStart).toBe(
      'Olá! Bom dia, Maria! Aqui é Ana, da Loja Centro.'.length,
    );
  });

  it('wraps around from the first option to the last', async () => {
    const { box } = setup();
    await userEvent.type(box, '/');
    await screen.findByRole('listbox');
    await userEvent.keyboard('{ArrowUp}');
    expect(screen.getByRole('option', { name: /tchau/ })).toHaveAttribute('aria-selected', 'true');
    await userEvent.keyboard('{Tab}');
    expect(box).toHaveValue('Até logo!');
  });

  it('replaces only the token under the caret, keeping the text around it', async () => {
    const { box } = setup();
    await userEvent.type(box, 'Oi /bol obrigado');
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    // Back into "/bol", after the "b".
    await userEvent.keyboard('{ArrowLeft>11/}');
    await screen.findByRole('option', { name: /boleto/ });
    await userEvent.keyboard('{Enter}');
    expect(box).toHaveValue('Oi Segue o boleto, Maria. obrigado');
  });

  it('picks with the mouse', async () => {
    const { box } = setup();
    await userEvent.type(box, '/tc');
    await userEvent.click(await screen.findByRole('option', { name: /tchau/ }));
    expect(box).toHaveValue('Até logo!');
  });

  it('closes on Esc without touching the text, and opens again for a new "/"', async () => {
    const { box, onSend } = setup();
    await userEvent.type(box, '/bo');
    await screen.findByRole('listbox');
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    expect(box).toHaveValue('/bo');
    // Typing on in the same token keeps it closed; Enter then sends.
    await userEvent.type(box, 'l');
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    await userEvent.keyboard('{Enter}');
    expect(onSend).toHaveBeenCalledWith('/bol');
    await userEvent.type(box, ' /');
    expect(await screen.findByRole('listbox')).toBeInTheDocument();
  });

  it('stays closed for a "/" inside a word or a link', async () => {
    const { box } = setup();
    await userEvent.type(box, 'veja https://exemplo.com/bo e 1/2');
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    expect(screen.queryByTestId('quick-reply-picker')).not.toBeInTheDocument();
  });
});
