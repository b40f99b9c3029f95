import { keepPreviousData, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Page, QuickReply, QuickReplyCreate, QuickReplyUpdate } from '@/types/api';

export const quickReplyKeys = {
  all: ['quick-replies'] as const,
  list: (q: string) => ['quick-replies', 'list', q] as const,
};

/** The caller's quick replies (personal and their teams'), searched by shortcut or text. */
export const quickRepliesQueryOptions = (q = '') =>
  queryOptions({
    queryKey: quickReplyKeys.list(q.trim().toLowerCase()),
    queryFn: ({ signal }) =>
      api.get<Page<QuickReply>>('/api/quick-replies', {
        query: { q: q.trim() || undefined, limit: 200 },
        signal,
      }),
    staleTime: 60_000,
    // While the next search loads, keep showing the last answer (filtered locally).
    placeholderData: keepPreviousData,
  });

export function useSaveQuickReply() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id?: string; body: QuickReplyCreate | QuickReplyUpdate }) =>
      id
        ? api.patch<QuickReply>(`/api/quick-replies/${id}`, body)
        : api.post<QuickReply>('/api/quick-replies', body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: quickReplyKeys.all }),
    // The dialog shows a taken shortcut next to the field.
    meta: { silent: true },
  });
}

export function useDeleteQuickReply() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete<unknown>(`/api/quick-replies/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: quickReplyKeys.all }),
  });
}
