export const paths = {
  login: (next?: string) => (next ? `/login?next=${encodeURIComponent(next)}` : '/login'),
  home: () => '/inbox',
  inbox: () => '/inbox',
  conversation: (id: string) => `/inbox/${id}`,
  dashboard: () => '/dashboard',
  settings: () => '/settings',
  settingsUsers: () => '/settings/users',
  settingsTeams: () => '/settings/teams',
  settingsNumbers: () => '/settings/numbers',
  settingsQuickReplies: () => '/settings/quick-replies',
  simulator: () => '/simulator',
} as const;
