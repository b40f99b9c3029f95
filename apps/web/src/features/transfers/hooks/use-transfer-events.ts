import { useQueryClient } from '@tanstack/react-query';

import { useSocketEvent } from '@/lib/socket';

import { transferKeys } from '../api/get-transfers';

/** Every assignment change writes a transfer row: refetch the trail of that conversation. */
export function useTransferEvents() {
  const queryClient = useQueryClient();
  const refresh = ({ conversation }: { conversation: { id: string } }) =>
    void queryClient.invalidateQueries({ queryKey: transferKeys.byConversation(conversation.id) });
  useSocketEvent('conversation:assigned', refresh);
  useSocketEvent('conversation:transferred', refresh);
}
