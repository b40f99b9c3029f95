import { useQuery } from '@tanstack/react-query';

import { NumbersTable } from '@/features/numbers/components/numbers-table';
import { teamsQueryOptions } from '@/features/teams/api/teams';
import { useCurrentUser } from '@/lib/auth';
import { can } from '@/lib/authorization';

export default function NumbersRoute() {
  const me = useCurrentUser();
  const teams = useQuery(teamsQueryOptions());
  return (
    <NumbersTable
      canWrite={can(me, 'numbers:write')}
      canSyncTemplates={can(me, 'templates:sync')}
      teams={(teams.data?.items ?? []).map((tm) => ({ id: tm.id, name: tm.name }))}
    />
  );
}
