import { screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { api } from '@/lib/api-client';
import { createFakeFetch, json } from '@/testing/fake-fetch';
import { renderWithProviders } from '@/testing/render';
import type { ConversationCounts } from '@/types/api';

import { InboxTabs } from '../inbox-tabs';

function setup(counts: ConversationCounts, numberId?: string) {
  const fake = createFakeFetch(() => json(200, counts));
  vi.stubGlobal('fetch', fake.fetch);
  renderWithProviders(
    <InboxTabs
      views={['mine', 'team', 'unassigned', 'all']}
      value="mine"
      onChange={() => undefined}
      numberId={numberId}
    />,
  );
  return fake;
}

afterEach(() => {
  vi.unstubAllGlobals();
  api.tokens.set(null);
});

describe('InboxTabs', () => {
  it('shows the open counts of every tab from one request, hiding zeros', async () => {
    const fake = setup({ mine: 3, team: 1250, unassigned: 0, all: 1400 });
    expect(await screen.findByTestId('count-mine')).toHaveTextContent('3');
    expect(screen.getByTestId('count-team')).toHaveTextContent('1,250');
    expect(screen.getByTestId('count-all')).toHaveTextContent('1,400');
    expect(screen.queryByTestId('count-unassigned')).not.toBeInTheDocument();
    expect(fake.calls).toHaveLength(1);
    expect(new URL(fake.calls[0]?.url ?? '', 'http://x').pathname).toBe(
      '/api/conversations/counts',
    );
  });

  it('counts only the filtered number when one is chosen', async () => {
    const fake = setup({ mine: 1, team: 0, unassigned: 2 }, 'num-1');
    expect(await screen.findByTestId('count-unassigned')).toHaveTextContent('2');
    expect(screen.queryByTestId('count-all')).not.toBeInTheDocument();
    await waitFor(() => expect(fake.calls).toHaveLength(1));
    expect(fake.calls[0]?.url).toContain('number_id=num-1');
  });
});
