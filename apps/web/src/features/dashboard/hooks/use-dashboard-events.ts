import * as React from 'react';
import { useQueryClient } from '@tanstack/react-query';

import { throttle, useSocketEvent } from '@/lib/socket';

import { dashboardKeys } from '../api/get-dashboard';

/** Any message or assignment changes the numbers: refetch, at most every few seconds. */
export function useDashboardEvents(intervalMs = 3000) {
  const queryClient = useQueryClient();
  const refresh = React.useMemo(
    () =>
      throttle(
        () => void queryClient.invalidateQueries({ queryKey: dashboardKeys.all }),
        intervalMs,
      ),
    [queryClient, intervalMs],
  );
  React.useEffect(() => refresh.cancel, [refresh]);
  useSocketEvent('message:new', refresh);
  useSocketEvent('message:status', refresh);
  useSocketEvent('conversation:assigned', refresh);
  useSocketEvent('conversation:transferred', refresh);
  useSocketEvent('conversation:updated', refresh);
}
