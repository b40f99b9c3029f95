import * as React from 'react';
import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';

import type { LoginResponse, Me } from '@/types/api';

import { api } from './api-client';
import { toSession } from './token-store';

export const meQueryOptions = () =>
  queryOptions({
    queryKey: ['auth', 'me'],
    queryFn: ({ signal }) => api.get<Me>('/api/auth/me', { signal }),
    staleTime: 5 * 60_000,
  });

function subscribe(listener: () => void) {
  return api.tokens.subscribe(listener);
}

/** True while a token pair is stored (the page reload keeps the user logged in). */
export function useHasSession(): boolean {
  return React.useSyncExternalStore(
    subscribe,
    () => api.tokens.get() !== null,
    () => false,
  );
}

export function useUser(): Me | undefined {
  const hasSession = useHasSession();
  return useQuery({ ...meQueryOptions(), enabled: hasSession }).data;
}

/** For components rendered under <RequireAuth>, where the user is known. */
export function useCurrentUser(): Me {
  const user = useUser();
  if (!user) throw new Error('useCurrentUser used outside an authenticated route');
  return user;
}

export async function loginWithPassword(email: string, password: string) {
  const response = await api.post<LoginResponse>(
    '/api/auth/login',
    { email, password },
    { auth: false },
  );
  api.tokens.set(toSession(response));
  return response;
}

export function useLogout() {
  const queryClient = useQueryClient();
  return React.useCallback(async () => {
    const refreshToken = api.tokens.get()?.refresh_token;
    api.tokens.set(null);
    queryClient.clear();
    if (refreshToken) {
      try {
        await api.post('/api/auth/logout', { refresh_token: refreshToken }, { auth: false });
      } catch {
        // Logging out locally is enough; the refresh token dies with its family anyway.
      }
    }
  }, [queryClient]);
}
