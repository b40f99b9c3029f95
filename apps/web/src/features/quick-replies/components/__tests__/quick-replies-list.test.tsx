import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { api } from '@/lib/api-client';
import { createFakeFetch, json, type RecordedCall } from '@/testing/fake-fetch';
import { renderWithProviders } from '@/testing/render';
import type { QuickReply } from '@/types/api';

import { QuickRepliesList } from '../quick-replies-list';

const mine: QuickReply = {
  id: 'qr-1',
  shortcut: 'bom-dia',
  text: 'Bom dia, {{contact.name}}!',
  team: null,
  owner: { id: 'user-me', name: 'Ana Agent' },
  can_edit: true,
  created_at: '2026-03-10T12:00:00Z',
  updated_at: '2026-03-10T12:00:00Z',
};
const teams: QuickReply = {
  ...mine,
  id: 'qr-2',
  shortcut: 'horario',
  text: 'Seg a sex, 9h às 18h',
  team: { id: 'team-sales', name: 'Vendas' },
  owner: { id: 'user-2', name: 'Bia' },
  can_edit: false,
};

function setup(write: (call: RecordedCall) => Response = () => json(201, mine)) {
  const fake = createFakeFetch((call) =>
    call.method === 'GET' ? json(200, { items: [mine, teams], next_cursor: null }) : write(call),
  );
  vi.stubGlobal('fetch', fake.fetch);
  renderWithProviders(<QuickRepliesList teams={[{ id: 'team-sales', name: 'Vendas' }]} />);
  return fake;
}

afterEach(() => {
  vi.unstubAllGlobals();
  api.tokens.set(null);
});

describe('QuickRepliesList', () => {
  it('lists personal and team replies, with actions only on the ones the user may change', async () => {
    setup();
    const [, first, second, ...rest] = await screen.findAllByRole('row');
    expect(rest).toHaveLength(0);
    expect(first).toHaveTextContent('/bom-dia');
    expect(first).toHaveTextContent('Personal');
    expect(second).toHaveTextContent('/horario');
    expect(second).toHaveTextContent('Vendas');
    expect(screen.getByRole('button', { name: 'Edit: /bom-dia' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Edit: /horario' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete: /horario' })).not.toBeInTheDocument();
  });

  it('creates a personal reply, normalising the shortcut and inserting a variable', async () => {
    const fake = setup();
    await screen.findAllByRole('row');
    await userEvent.click(screen.getByRole('button', { name: 'New quick reply' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText('Shortcut'), ' /Obg ');
    await userEvent.type(within(dialog).getByLabelText('Text'), 'Oi ');
    await userEvent.click(within(dialog).getByRole('button', { name: /Contact name/ }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create' }));

    const post = fake.calls.find((c) => c.method === 'POST');
    expect(post?.url).toBe('/api/quick-replies');
    expect(post?.body).toEqual({
      shortcut: 'obg',
      text: 'Oi {{contact.name}}',
      team_id: null,
    });
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('refuses a shortcut with spaces before asking the server', async () => {
    const fake = setup();
    await screen.findAllByRole('row');
    await userEvent.click(screen.getByRole('button', { name: 'New quick reply' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText('Shortcut'), 'bom dia');
    await userEvent.type(within(dialog).getByLabelText('Text'), 'Oi');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create' }));

    expect(within(dialog).getByText(/Use only lowercase letters/)).toBeInTheDocument();
    expect(within(dialog).getByLabelText('Shortcut')).toHaveAttribute('aria-invalid', 'true');
    expect(fake.calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it('shows a taken shortcut next to the field', async () => {
    setup(() => json(409, { error: { code: 'quick_reply_shortcut_taken', message: 'x' } }));
    await screen.findAllByRole('row');
    await userEvent.click(screen.getByRole('button', { name: 'Edit: /bom-dia' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText(/Only me/)).toBeInTheDocument();
    const shortcut = within(dialog).getByLabelText('Shortcut');
    await userEvent.clear(shortcut);
    await userEvent.type(shortcut, 'horario');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));

    expect(
      await within(dialog).findByText('This shortcut is already in use here.'),
    ).toBeInTheDocument();
    expect(screen.getByRole('dialog')).toBeInTheDocument();
  });
});
