import * as React from 'react';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { ComposerSuggestionsProps } from '@/lib/composer-suggestions';
import { makeConversation } from '@/testing/data';
import { renderWithProviders } from '@/testing/render';

import { composerBlock } from '../../utils/conversation-state';
import { Composer } from '../composer';

describe('Composer', () => {
  it('sends on Enter and clears the box', async () => {
    const onSend = vi.fn();
    renderWithProviders(<Composer onSend={onSend} blocked={null} />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    await userEvent.type(box, 'Bom dia{Enter}');
    expect(onSend).toHaveBeenCalledExactlyOnceWith('Bom dia');
    expect(box).toHaveValue('');
  });

  it('inserts a newline on Shift+Enter instead of sending', async () => {
    const onSend = vi.fn();
    renderWithProviders(<Composer onSend={onSend} blocked={null} />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    await userEvent.type(box, 'linha 1{Shift>}{Enter}{/Shift}linha 2');
    expect(onSend).not.toHaveBeenCalled();
    expect(box).toHaveValue('linha 1\nlinha 2');
    await userEvent.click(screen.getByRole('button', { name: 'Send message' }));
    expect(onSend).toHaveBeenCalledWith('linha 1\nlinha 2');
  });

  it('does not send blank messages', async () => {
    const onSend = vi.fn();
    renderWithProviders(<Composer onSend={onSend} blocked={null} />);
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), '   {Enter}');
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Send message' })).toBeDisabled();
  });

  it('is disabled with an explanation when the 24-hour window is closed', () => {
    renderWithProviders(<Composer onSend={vi.fn()} blocked="window-closed" />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    expect(box).toBeDisabled();
    expect(box).toHaveAccessibleDescription(/24-hour window is closed/);
    expect(screen.getByRole('button', { name: 'Send message' })).toBeDisabled();
  });

  it('explains when the customer never opened a window', () => {
    renderWithProviders(<Composer onSend={vi.fn()} blocked="no-window" />);
    expect(screen.getByTestId('composer-blocked')).toHaveTextContent(/has not written/);
  });
});

describe('Composer suggestions', () => {
  it('gives the suggestions the text and caret, its keys first, and a way to replace text', async () => {
    const onSend = vi.fn();
    const renderSuggestions = vi.fn((props: ComposerSuggestionsProps) => (
      <SlashSuggestion {...props} />
    ));
    renderWithProviders(
      <Composer onSend={onSend} blocked={null} renderSuggestions={renderSuggestions} />,
    );
    const box = screen.getByRole('textbox', { name: 'Message' });

    await userEvent.type(box, 'Oi /x');
    expect(renderSuggestions).toHaveBeenLastCalledWith(
      expect.objectContaining({ text: 'Oi /x', caret: 5 }),
    );
    expect(box).toHaveAttribute('aria-controls', 'fake-list');
    await userEvent.keyboard('{Enter}');

    expect(onSend).not.toHaveBeenCalled();
    expect(box).toHaveValue('Oi Olá!');
    expect(box).not.toHaveAttribute('aria-controls');
    await userEvent.keyboard('{Enter}');
    expect(onSend).toHaveBeenCalledWith('Oi Olá!');
  });

  it('shows no suggestions while replying is blocked', () => {
    const renderSuggestions = vi.fn(() => <p>suggestions</p>);
    renderWithProviders(
      <Composer onSend={vi.fn()} blocked="resolved" renderSuggestions={renderSuggestions} />,
    );
    expect(renderSuggestions).not.toHaveBeenCalled();
  });
});

/** Takes Enter while the text ends with "/x" and replaces that token with "Olá!". */
function SlashSuggestion({
  text,
  replace,
  onKeyHandler,
  onTextareaAria,
}: ComposerSuggestionsProps) {
  const open = text.endsWith('/x');
  React.useEffect(() => {
    onTextareaAria(open ? { 'aria-controls': 'fake-list' } : {});
    onKeyHandler(
      open
        ? (event) => {
            if (event.key !== 'Enter') return false;
            event.preventDefault();
            replace(text.length - 2, text.length, 'Olá!');
            return true;
          }
        : null,
    );
  }, [open, text, replace, onKeyHandler, onTextareaAria]);
  return null;
}

describe('composerBlock', () => {
  const now = new Date('2026-03-10T12:00:00Z').getTime();

  it('allows replies while window_expires_at is in the future', () => {
    const c = makeConversation({ window_expires_at: '2026-03-10T13:00:00Z' });
    expect(composerBlock(c, now)).toBeNull();
  });

  it('blocks when window_expires_at is in the past or null', () => {
    expect(
      composerBlock(makeConversation({ window_expires_at: '2026-03-10T11:59:00Z' }), now),
    ).toBe('window-closed');
    expect(composerBlock(makeConversation({ window_expires_at: null }), now)).toBe('no-window');
  });

  it('blocks resolved conversations', () => {
    const c = makeConversation({ status: 'resolved', window_expires_at: '2026-03-10T13:00:00Z' });
    expect(composerBlock(c, now)).toBe('resolved');
  });
});
