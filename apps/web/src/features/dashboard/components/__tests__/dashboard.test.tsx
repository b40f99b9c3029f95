import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { renderWithProviders } from '@/testing/render';
import type { Dashboard } from '@/types/api';

import { periodRange } from '../../api/get-dashboard';
import { KpiCards } from '../kpi-cards';
import { VolumeChart } from '../volume-chart';

const data: Dashboard = {
  from: '2026-03-10T09:00:00-03:00',
  to: '2026-03-10T12:00:00-03:00',
  tz: 'America/Sao_Paulo',
  volume_per_hour: [
    { hour: '2026-03-10T09:00:00-03:00', inbound: 4, outbound: 2 },
    { hour: '2026-03-10T10:00:00-03:00', inbound: 0, outbound: 0 },
    { hour: '2026-03-10T11:00:00-03:00', inbound: 6, outbound: 5 },
  ],
  first_response: { count: 7, mean_seconds: 200, median_seconds: 150, p90_seconds: 3700 },
  backlog: { count: 3, oldest_waiting_seconds: 5400 },
  open_conversations: 12,
  resolved_conversations: 4,
};

describe('dashboard', () => {
  it('shows the KPI cards with locale-formatted values', () => {
    renderWithProviders(<KpiCards data={data} />);
    expect(screen.getByTestId('kpi-messages-value')).toHaveTextContent('17');
    expect(screen.getByTestId('kpi-messages')).toHaveTextContent('10 received · 7 sent');
    expect(screen.getByTestId('kpi-tpr-value')).toHaveTextContent(/^2\s?m(in)?$/);
    expect(screen.getByTestId('kpi-tpr')).toHaveTextContent(/p90 1\s?h 1\s?m/);
    expect(screen.getByTestId('kpi-backlog')).toHaveTextContent(/oldest waiting for 1\s?h 30\s?m/);
    expect(screen.getByTestId('kpi-open-value')).toHaveTextContent('12');
  });

  it('draws one inbound and one outbound bar per hour, with an accessible summary', () => {
    const { container } = renderWithProviders(<VolumeChart data={data.volume_per_hour} />);
    expect(screen.getByRole('img', { name: /10 received and 7 sent/ })).toBeInTheDocument();
    expect(container.querySelectorAll('rect.fill-chart-inbound')).toHaveLength(3);
    expect(container.querySelectorAll('rect.fill-chart-outbound')).toHaveLength(3);
    // Screen readers get the non-empty hours as a table.
    const table = screen.getByRole('table', { hidden: true });
    expect(within(table).getAllByRole('row', { hidden: true })).toHaveLength(3);
  });

  it('computes the period range', () => {
    const now = new Date('2026-03-10T15:30:00Z');
    const day = periodRange('24h', now);
    expect(day.to).toBe('2026-03-10T15:30:00.000Z');
    expect(day.from).toBe('2026-03-09T15:30:00.000Z');
    expect(new Date(periodRange('today', now).from).getHours()).toBe(0);
  });
});
