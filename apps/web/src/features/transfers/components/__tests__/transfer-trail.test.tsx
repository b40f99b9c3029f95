import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { api } from '@/lib/api-client';
import { createFakeFetch, json } from '@/testing/fake-fetch';
import { renderWithProviders } from '@/testing/render';
import type { Transfer } from '@/types/api';

import { TransferTrail } from '../transfer-trail';

const ana = { id: 'u-ana', name: 'Ana' };
const support = { id: 't-support', name: 'Atendimento' };
const billing = { id: 't-billing', name: 'Financeiro' };

const trail: Transfer[] = [
  {
    id: 'tr-1',
    conversation_id: 'conv-1',
    kind: 'take',
    from_user: null,
    from_team: support,
    to_user: ana,
    to_team: support,
    by_user: ana,
    reason: null,
    created_at: '2026-03-10T12:00:00Z',
  },
  {
    id: 'tr-2',
    conversation_id: 'conv-1',
    kind: 'transfer',
    from_user: ana,
    from_team: support,
    to_user: null,
    to_team: billing,
    by_user: ana,
    reason: 'Dúvida sobre boleto',
    created_at: '2026-03-10T12:05:00Z',
  },
];

afterEach(() => {
  vi.unstubAllGlobals();
  api.tokens.set(null);
});

describe('TransferTrail', () => {
  it('lists every assignment change oldest first, with its kind, target and reason', async () => {
    vi.stubGlobal(
      'fetch',
      createFakeFetch(() => json(200, { items: trail, next_cursor: null })).fetch,
    );
    renderWithProviders(<TransferTrail conversationId="conv-1" />);
    const entries = await screen.findAllByTestId('transfer-entry');
    expect(entries).toHaveLength(2);
    const [take, transfer] = entries as [HTMLElement, HTMLElement];
    expect(take).toHaveAttribute('data-kind', 'take');
    expect(take).toHaveTextContent('Took');
    expect(take).toHaveTextContent('Ana · #Atendimento');
    expect(transfer).toHaveAttribute('data-kind', 'transfer');
    expect(transfer).toHaveTextContent('Transferred');
    expect(within(transfer).getByText('#Financeiro')).toBeInTheDocument();
    expect(transfer).toHaveTextContent('Dúvida sobre boleto');
  });
});
