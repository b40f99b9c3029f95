import { useQuery } from '@tanstack/react-query';
import { Navigate } from 'react-router';

import { paths } from '@/config/paths';
import { teamsQueryOptions } from '@/features/teams/api/teams';
import { UsersTable } from '@/features/users/components/users-table';
import { useCurrentUser } from '@/lib/auth';
import { can } from '@/lib/authorization';

export default function UsersRoute() {
  const me = useCurrentUser();
  const teams = useQuery(teamsQueryOptions());
  if (!can(me, 'users:read')) return <Navigate to={paths.settingsTeams()} replace />;
  return (
    <UsersTable
      canWrite={can(me, 'users:write')}
      teams={(teams.data?.items ?? []).map((tm) => ({ id: tm.id, name: tm.name }))}
    />
  );
}
