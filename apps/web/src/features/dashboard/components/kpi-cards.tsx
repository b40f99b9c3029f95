import type * as React from 'react';
import { ClockIcon, HourglassIcon, MessagesSquareIcon, InboxIcon } from 'lucide-react';

import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Skeleton } from '@/components/ui/skeleton';
import { useI18n } from '@/lib/i18n/i18n-provider';
import type { Dashboard } from '@/types/api';

function Kpi({
  title,
  value,
  detail,
  icon,
  testId,
}: {
  title: string;
  value: string;
  detail: string;
  icon: React.ReactNode;
  testId: string;
}) {
  return (
    <Card className="gap-2" data-testid={testId}>
      <CardHeader className="flex-row items-center justify-between">
        <CardDescription>{title}</CardDescription>
        <span className="text-muted-foreground [&_svg]:size-4" aria-hidden="true">
          {icon}
        </span>
      </CardHeader>
      <CardContent className="grid gap-1">
        <CardTitle className="text-2xl tabular-nums" data-testid={`${testId}-value`}>
          {value}
        </CardTitle>
        <p className="text-xs text-muted-foreground">{detail}</p>
      </CardContent>
    </Card>
  );
}

export function KpiCardsSkeleton() {
  return (
    <div className="grid gap-3 sm:grid-cols-2 xl:grid-cols-4">
      {Array.from({ length: 4 }, (_, i) => (
        <Skeleton key={i} className="h-28 rounded-xl" />
      ))}
    </div>
  );
}

export function KpiCards({ data }: { data: Dashboard }) {
  const { t, fmt } = useI18n();
  const inbound = data.volume_per_hour.reduce((s, h) => s + h.inbound, 0);
  const outbound = data.volume_per_hour.reduce((s, h) => s + h.outbound, 0);
  const fr = data.first_response;
  const dur = (s: number | null) => (s === null ? '—' : fmt.duration(s));
  return (
    <div className="grid gap-3 sm:grid-cols-2 xl:grid-cols-4">
      <Kpi
        testId="kpi-messages"
        title={t('dashboard.messagesToday')}
        value={fmt.number(inbound + outbound)}
        detail={t('dashboard.inOut', {
          inbound: fmt.number(inbound),
          outbound: fmt.number(outbound),
        })}
        icon={<MessagesSquareIcon />}
      />
      <Kpi
        testId="kpi-tpr"
        title={t('dashboard.tpr')}
        value={dur(fr.median_seconds)}
        detail={t('dashboard.tprDetail', { p90: dur(fr.p90_seconds), count: fmt.number(fr.count) })}
        icon={<ClockIcon />}
      />
      <Kpi
        testId="kpi-backlog"
        title={t('dashboard.backlog')}
        value={fmt.number(data.backlog.count)}
        detail={
          data.backlog.oldest_waiting_seconds !== null && data.backlog.count > 0
            ? t('dashboard.oldest', { age: fmt.duration(data.backlog.oldest_waiting_seconds) })
            : t('dashboard.noBacklog')
        }
        icon={<HourglassIcon />}
      />
      <Kpi
        testId="kpi-open"
        title={t('dashboard.open')}
        value={fmt.number(data.open_conversations)}
        detail={t('dashboard.resolvedCount', { count: fmt.number(data.resolved_conversations) })}
        icon={<InboxIcon />}
      />
    </div>
  );
}
