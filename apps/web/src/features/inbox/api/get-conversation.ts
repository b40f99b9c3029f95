import { queryOptions } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Conversation } from '@/types/api';

import { conversationKeys } from './get-conversations';

export const conversationQueryOptions = (id: string) =>
  queryOptions({
    queryKey: conversationKeys.detail(id),
    queryFn: ({ signal }) => api.get<Conversation>(`/api/conversations/${id}`, { signal }),
  });
