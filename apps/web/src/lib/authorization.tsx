import type * as React from 'react';

import type { Conversation, Me, Role } from '@/types/api';

import { useUser } from './auth';

// UI gates only: the server stays the authority and answers 403/404 anyway.
export const policies = {
  'conversations:view-all': (user: Me) => hasRole(user, 'ADMIN', 'SUPERVISOR'),
  'conversations:assign-others': (user: Me) => hasRole(user, 'ADMIN', 'SUPERVISOR'),
  // Mirrors the server's visibility rule: staff see everything; agents see their own,
  // their teams' and conversations without a team.
  'conversations:see': (user: Me, conversation?: Conversation) =>
    !!conversation &&
    (hasRole(user, 'ADMIN', 'SUPERVISOR') ||
      conversation.assignee?.id === user.id ||
      conversation.team === null ||
      user.teams.some((team) => team.id === conversation.team?.id)),
  'conversations:take': (user: Me, conversation?: Conversation) =>
    !!conversation &&
    conversation.assignee?.id !== user.id &&
    (conversation.assignee === null || hasRole(user, 'ADMIN', 'SUPERVISOR')),
  'conversations:transfer': (user: Me, conversation?: Conversation) =>
    !!conversation &&
    (conversation.assignee?.id === user.id || hasRole(user, 'ADMIN', 'SUPERVISOR')),
  'conversations:unassign': (user: Me, conversation?: Conversation) =>
    !!conversation?.assignee &&
    (conversation.assignee.id === user.id || hasRole(user, 'ADMIN', 'SUPERVISOR')),
  'dashboard:view': (user: Me) => hasRole(user, 'ADMIN', 'SUPERVISOR'),
  'users:read': (user: Me) => hasRole(user, 'ADMIN', 'SUPERVISOR'),
  'users:write': (user: Me) => hasRole(user, 'ADMIN'),
  'teams:write': (user: Me) => hasRole(user, 'ADMIN'),
  'numbers:write': (user: Me) => hasRole(user, 'ADMIN'),
  'templates:sync': (user: Me) => hasRole(user, 'ADMIN', 'SUPERVISOR'),
  'simulator:use': (user: Me) => hasRole(user, 'ADMIN', 'SUPERVISOR'),
} satisfies Record<string, (user: Me, conversation?: Conversation) => boolean>;

export type Policy = keyof typeof policies;

export function hasRole(user: Pick<Me, 'role'>, ...roles: Role[]) {
  return roles.includes(user.role);
}

export function can(user: Me | undefined, policy: Policy, conversation?: Conversation) {
  return !!user && policies[policy](user, conversation);
}

export function useAuthorization() {
  const user = useUser();
  return {
    user,
    can: (policy: Policy, conversation?: Conversation) => can(user, policy, conversation),
  };
}

export function Authorization({
  policy,
  conversation,
  children,
  fallback = null,
}: {
  policy: Policy;
  conversation?: Conversation;
  children: React.ReactNode;
  fallback?: React.ReactNode;
}) {
  const { can: allowed } = useAuthorization();
  return allowed(policy, conversation) ? children : fallback;
}
