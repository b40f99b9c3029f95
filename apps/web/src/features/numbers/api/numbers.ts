import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { NumberCreate, NumberUpdate, Page, WhatsAppNumber } from '@/types/api';

export const numberKeys = {
  all: ['numbers'] as const,
  list: () => ['numbers', 'list'] as const,
};

export const numbersQueryOptions = () =>
  queryOptions({
    queryKey: numberKeys.list(),
    queryFn: ({ signal }) =>
      api.get<Page<WhatsAppNumber>>('/api/numbers', { query: { limit: 200 }, signal }),
    staleTime: 60_000,
  });

export function useSaveNumber() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id?: string; body: NumberCreate | NumberUpdate }) =>
      id
        ? api.patch<WhatsAppNumber>(`/api/numbers/${id}`, body)
        : api.post<WhatsAppNumber>('/api/numbers', body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: numberKeys.all }),
  });
}

export function useDeleteNumber() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete<unknown>(`/api/numbers/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: numberKeys.all }),
  });
}

/**
 * Asks the server to re-list the number's message templates from Meta. The listing runs
 * after the 202: the template lists pick the result up when they next refetch.
 */
export function useSyncTemplates() {
  return useMutation({
    mutationFn: (id: string) => api.post<unknown>(`/api/numbers/${id}/templates/sync`),
  });
}
