import * as React from 'react';
import { Outlet, useParams, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';

import {
  ConversationFiltersBar,
  type FilterValues,
} from '@/features/inbox/components/conversation-filters';
import { ConversationList } from '@/features/inbox/components/conversation-list';
import { InboxTabs } from '@/features/inbox/components/inbox-tabs';
import { numbersQueryOptions } from '@/features/numbers/api/numbers';
import { teamsQueryOptions } from '@/features/teams/api/teams';
import { useCurrentUser } from '@/lib/auth';
import { can } from '@/lib/authorization';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { cn } from '@/lib/utils';
import type { ConversationFilters, ConversationStatus, ConversationView } from '@/types/api';

const VIEWS: ConversationView[] = ['mine', 'team', 'unassigned', 'all'];

function parseStatus(value: string | null): ConversationStatus | undefined {
  if (value === 'any') return undefined;
  return value === 'resolved' ? 'resolved' : 'open';
}

export default function InboxRoute() {
  const { t } = useI18n();
  const me = useCurrentUser();
  const { conversationId } = useParams();
  const [params, setParams] = useSearchParams();
  const numbers = useQuery(numbersQueryOptions());
  const teams = useQuery(teamsQueryOptions());

  const views = can(me, 'conversations:view-all') ? VIEWS : VIEWS.filter((v) => v !== 'all');
  const requested = params.get('view') as ConversationView | null;
  const view: ConversationView = requested && views.includes(requested) ? requested : 'mine';
  const filters: ConversationFilters = {
    view,
    status: parseStatus(params.get('status')),
    number_id: params.get('number') ?? undefined,
    team_id: params.get('team') ?? undefined,
    q: params.get('q') ?? undefined,
  };

  const update = React.useCallback(
    (patch: Record<string, string | undefined>) =>
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(patch)) {
            if (v === undefined || v === '') next.delete(k);
            else next.set(k, v);
          }
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );

  const onFilters = React.useCallback(
    (v: FilterValues) =>
      update({
        q: v.q,
        status: v.status === 'open' ? undefined : (v.status ?? 'any'),
        number: v.number_id,
        team: v.team_id,
      }),
    [update],
  );

  const search = params.toString();
  const hrefFor = (id: string) => `/inbox/${id}${search ? `?${search}` : ''}`;
  const filtered = !!(
    filters.q ||
    filters.number_id ||
    filters.team_id ||
    filters.status !== 'open'
  );

  return (
    <div className="flex min-h-0 flex-1">
      <section
        aria-label={t('inbox.title')}
        className={cn(
          'flex min-h-0 w-full flex-col border-r md:w-80 md:shrink-0 lg:w-96',
          conversationId && 'hidden md:flex',
        )}
      >
        <div className="grid grid-cols-1 gap-2 border-b p-3">
          <h1 className="text-lg font-semibold">{t('inbox.title')}</h1>
          <InboxTabs
            views={views}
            value={view}
            onChange={(v) => update({ view: v })}
            numberId={filters.number_id}
          />
          <ConversationFiltersBar
            value={filters}
            onChange={onFilters}
            numbers={numbers.data?.items ?? []}
            teams={teams.data?.items ?? []}
          />
        </div>
        <ConversationList filters={filters} hrefFor={hrefFor} filtered={filtered} />
      </section>
      <div className={cn('flex min-h-0 min-w-0 flex-1', !conversationId && 'hidden md:flex')}>
        <Outlet />
      </div>
    </div>
  );
}
