import { useQuery } from '@tanstack/react-query';

import { TeamsList } from '@/features/teams/components/teams-list';
import { usersQueryOptions } from '@/features/users/api/users';
import { useCurrentUser } from '@/lib/auth';
import { can } from '@/lib/authorization';

export default function TeamsRoute() {
  const me = useCurrentUser();
  const canWrite = can(me, 'teams:write');
  const users = useQuery({ ...usersQueryOptions(), enabled: canWrite });
  return (
    <TeamsList
      canWrite={canWrite}
      users={(users.data?.items ?? [])
        .filter((u) => u.is_active !== false)
        .map((u) => ({ id: u.id, name: u.name }))}
    />
  );
}
