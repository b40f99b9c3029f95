import { useQuery } from '@tanstack/react-query';
import { RadioIcon } from 'lucide-react';

import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Empty, EmptyDescription, EmptyTitle } from '@/components/ui/empty';
import { Label } from '@/components/ui/label';
import {
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
} from '@/components/ui/select';
import { Skeleton } from '@/components/ui/skeleton';
import { errorMessageKey } from '@/lib/errors';
import { useI18n } from '@/lib/i18n/i18n-provider';
import type { NumberSummary, Ref } from '@/types/api';

import {
  dashboardQueryOptions,
  type DashboardFilters,
  type DashboardPeriod,
} from '../api/get-dashboard';
import { useDashboardEvents } from '../hooks/use-dashboard-events';
import { KpiCards, KpiCardsSkeleton } from './kpi-cards';
import { VolumeChart } from './volume-chart';

const ANY = '__any__';

export function DashboardFiltersBar({
  value,
  onChange,
  numbers,
  teams,
}: {
  value: DashboardFilters;
  onChange: (next: DashboardFilters) => void;
  numbers: NumberSummary[];
  teams: Ref[];
}) {
  const { t } = useI18n();
  return (
    <div className="flex flex-wrap items-end gap-3">
      <div className="grid gap-1">
        <Label htmlFor="dash-period" className="text-xs text-muted-foreground">
          {t('dashboard.period')}
        </Label>
        <Select
          value={value.period}
          onValueChange={(v) => onChange({ ...value, period: v as DashboardPeriod })}
        >
          <SelectTrigger id="dash-period" className="w-40">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value="today">{t('dashboard.period.today')}</SelectItem>
            <SelectItem value="24h">{t('dashboard.period.24h')}</SelectItem>
            <SelectItem value="7d">{t('dashboard.period.7d')}</SelectItem>
          </SelectContent>
        </Select>
      </div>
      <div className="grid gap-1">
        <Label htmlFor="dash-number" className="text-xs text-muted-foreground">
          {t('common.number')}
        </Label>
        <Select
          value={value.number_id ?? ANY}
          onValueChange={(v) => onChange({ ...value, number_id: v === ANY ? undefined : v })}
        >
          <SelectTrigger id="dash-number" className="w-44">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={ANY}>{t('inbox.filter.anyNumber')}</SelectItem>
            {numbers.map((n) => (
              <SelectItem key={n.id} value={n.id}>
                {n.label}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
      <div className="grid gap-1">
        <Label htmlFor="dash-team" className="text-xs text-muted-foreground">
          {t('common.team')}
        </Label>
        <Select
          value={value.team_id ?? ANY}
          onValueChange={(v) => onChange({ ...value, team_id: v === ANY ? undefined : v })}
        >
          <SelectTrigger id="dash-team" className="w-44">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={ANY}>{t('inbox.filter.anyTeam')}</SelectItem>
            {teams.map((team) => (
              <SelectItem key={team.id} value={team.id}>
                {team.name}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
    </div>
  );
}

export function DashboardView({ filters }: { filters: DashboardFilters }) {
  const { t } = useI18n();
  useDashboardEvents();
  const query = useQuery(dashboardQueryOptions(filters));

  if (query.isPending) {
    return (
      <div className="grid gap-4">
        <KpiCardsSkeleton />
        <Skeleton className="h-72 rounded-xl" />
      </div>
    );
  }
  if (query.isError) {
    return (
      <Empty>
        <EmptyTitle>{t('errors.loadFailed')}</EmptyTitle>
        <EmptyDescription>{t(errorMessageKey(query.error))}</EmptyDescription>
        <Button variant="outline" size="sm" onClick={() => void query.refetch()}>
          {t('common.retry')}
        </Button>
      </Empty>
    );
  }
  const data = query.data;
  const empty = data.volume_per_hour.every((h) => h.inbound === 0 && h.outbound === 0);
  return (
    <div className="grid gap-4" aria-busy={query.isFetching}>
      <KpiCards data={data} />
      <Card>
        <CardHeader className="flex-row items-center justify-between">
          <CardTitle>
            <h2>{t('dashboard.volume')}</h2>
          </CardTitle>
          <Badge variant="success">
            <RadioIcon aria-hidden="true" />
            {t('dashboard.live')}
          </Badge>
        </CardHeader>
        <CardContent>
          {empty ? (
            <p className="py-10 text-center text-sm text-muted-foreground">
              {t('dashboard.noData')}
            </p>
          ) : (
            <VolumeChart data={data.volume_per_hour} />
          )}
        </CardContent>
      </Card>
    </div>
  );
}
