import { queryOptions } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { MessageTemplate, Page } from '@/types/api';

export const templateKeys = {
  all: ['templates'] as const,
  approved: (numberId: string) => ['templates', numberId, 'approved'] as const,
};

/** The approved templates of a number's WhatsApp Business Account (what can be sent). */
export const approvedTemplatesQueryOptions = (numberId: string) =>
  queryOptions({
    queryKey: templateKeys.approved(numberId),
    queryFn: ({ signal }) =>
      api.get<Page<MessageTemplate>>(`/api/numbers/${numberId}/templates`, {
        query: { status: 'approved', limit: 200 },
        signal,
      }),
    // Short: a sync started in the settings shows up the next time the picker opens.
    staleTime: 30_000,
  });
