import { useQuery } from '@tanstack/react-query';

import { QuickRepliesList } from '@/features/quick-replies/components/quick-replies-list';
import { teamsQueryOptions } from '@/features/teams/api/teams';
import { useCurrentUser } from '@/lib/auth';
import { hasRole } from '@/lib/authorization';

export default function QuickRepliesRoute() {
  const me = useCurrentUser();
  // Supervisors and admins share replies with any team; agents with their own teams.
  const staff = hasRole(me, 'ADMIN', 'SUPERVISOR');
  const teams = useQuery({ ...teamsQueryOptions(), enabled: staff });
  return (
    <QuickRepliesList
      teams={
        staff
          ? (teams.data?.items ?? []).map((team) => ({ id: team.id, name: team.name }))
          : me.teams
      }
    />
  );
}
