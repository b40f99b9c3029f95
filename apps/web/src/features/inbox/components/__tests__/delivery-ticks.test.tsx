import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { renderWithProviders } from '@/testing/render';
import type { MessageStatus } from '@/types/api';

import { DeliveryTicks } from '../delivery-ticks';

describe('DeliveryTicks', () => {
  it.each<[MessageStatus, string]>([
    ['queued', 'Queued'],
    ['sent', 'Sent'],
    ['delivered', 'Delivered'],
    ['read', 'Read'],
    ['played', 'Played'],
  ])('shows %s with an accessible name', (status, label) => {
    renderWithProviders(<DeliveryTicks status={status} error={null} />);
    const tick = screen.getByRole('img', { name: label });
    expect(tick).toHaveAttribute('data-status', status);
  });

  it('marks read and played as seen (coloured), others not', () => {
    const { rerender } = renderWithProviders(<DeliveryTicks status="read" error={null} />);
    expect(screen.getByRole('img')).toHaveClass('text-tick-read');
    rerender(<DeliveryTicks status="delivered" error={null} />);
    expect(screen.getByRole('img')).not.toHaveClass('text-tick-read');
  });

  it("shows Meta's error code and title for a failed message, also on hover", async () => {
    renderWithProviders(
      <DeliveryTicks status="failed" error={{ code: 131047, title: 'Re-engagement message' }} />,
    );
    const tick = screen.getByRole('img', { name: 'Failed: 131047 — Re-engagement message' });
    await userEvent.hover(tick);
    expect(await screen.findByRole('tooltip')).toHaveTextContent('131047 — Re-engagement message');
  });

  it('renders nothing for inbound or unknown statuses', () => {
    const { container } = renderWithProviders(<DeliveryTicks status={null} error={null} />);
    expect(container).toBeEmptyDOMElement();
  });

  it('speaks Portuguese when the locale is pt-BR', () => {
    renderWithProviders(<DeliveryTicks status="delivered" error={null} />, { locale: 'pt-BR' });
    expect(screen.getByRole('img', { name: 'Entregue' })).toBeInTheDocument();
  });
});
