import { queryOptions } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Dashboard } from '@/types/api';

export type DashboardPeriod = 'today' | '24h' | '7d';

export interface DashboardFilters {
  period: DashboardPeriod;
  number_id?: string;
  team_id?: string;
}

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'America/Sao_Paulo';
}

/** The range is computed when the query runs, so a live refetch moves the window forward. */
export function periodRange(period: DashboardPeriod, now = new Date()) {
  const to = new Date(now);
  const from = new Date(now);
  if (period === 'today') from.setHours(0, 0, 0, 0);
  else if (period === '24h') from.setTime(now.getTime() - 24 * 3600_000);
  else from.setTime(now.getTime() - 7 * 24 * 3600_000);
  return { from: from.toISOString(), to: to.toISOString() };
}

export const dashboardKeys = {
  all: ['dashboard'] as const,
  detail: (filters: DashboardFilters) => ['dashboard', filters] as const,
};

export const dashboardQueryOptions = (filters: DashboardFilters) =>
  queryOptions({
    queryKey: dashboardKeys.detail(filters),
    queryFn: ({ signal }) =>
      api.get<Dashboard>('/api/dashboard', {
        query: {
          ...periodRange(filters.period),
          tz: browserTimeZone(),
          number_id: filters.number_id,
          team_id: filters.team_id,
        },
        signal,
      }),
    refetchInterval: 60_000,
    placeholderData: (previous) => previous,
  });
