import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';

import { PageHeader } from '@/components/layout/app-shell';
import { Empty, EmptyTitle } from '@/components/ui/empty';
import type { DashboardFilters, DashboardPeriod } from '@/features/dashboard/api/get-dashboard';
import { DashboardFiltersBar, DashboardView } from '@/features/dashboard/components/dashboard-view';
import { numbersQueryOptions } from '@/features/numbers/api/numbers';
import { teamsQueryOptions } from '@/features/teams/api/teams';
import { useCurrentUser } from '@/lib/auth';
import { can } from '@/lib/authorization';
import { useI18n } from '@/lib/i18n/i18n-provider';

const PERIODS: DashboardPeriod[] = ['today', '24h', '7d'];

export default function DashboardRoute() {
  const { t } = useI18n();
  const me = useCurrentUser();
  const [params, setParams] = useSearchParams();
  const numbers = useQuery(numbersQueryOptions());
  const teams = useQuery(teamsQueryOptions());
  const period = params.get('period') as DashboardPeriod | null;
  const filters: DashboardFilters = {
    period: period && PERIODS.includes(period) ? period : 'today',
    number_id: params.get('number') ?? undefined,
    team_id: params.get('team') ?? undefined,
  };

  if (!can(me, 'dashboard:view')) {
    return (
      <Empty>
        <EmptyTitle>{t('errors.forbidden')}</EmptyTitle>
      </Empty>
    );
  }

  return (
    <div className="flex min-h-0 flex-1 flex-col overflow-y-auto">
      <PageHeader title={t('dashboard.title')}>
        <DashboardFiltersBar
          value={filters}
          numbers={numbers.data?.items ?? []}
          teams={teams.data?.items ?? []}
          onChange={(f) => {
            const next = new URLSearchParams();
            if (f.period !== 'today') next.set('period', f.period);
            if (f.number_id) next.set('number', f.number_id);
            if (f.team_id) next.set('team', f.team_id);
            setParams(next, { replace: true });
          }}
        />
      </PageHeader>
      <div className="p-4">
        <DashboardView filters={filters} />
      </div>
    </div>
  );
}
