import { useMutation } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { SimulatorInbound } from '@/types/api';

/** A simulated customer writes in; the backend signs it and posts it to the real webhook. */
export function useSimulateInbound() {
  return useMutation({
    mutationFn: (body: SimulatorInbound) => api.post<unknown>('/api/simulator/inbound', body),
  });
}
