import { queryOptions } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Conversation, Page } from '@/types/api';

export const contactConversationsQueryOptions = (contactId: string) =>
  queryOptions({
    queryKey: ['contacts', contactId, 'conversations'],
    queryFn: ({ signal }) =>
      api.get<Page<Conversation>>(`/api/contacts/${contactId}/conversations`, {
        query: { limit: 50 },
        signal,
      }),
  });
