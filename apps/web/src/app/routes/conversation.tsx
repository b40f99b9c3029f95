import { useLocation, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';

import { Separator } from '@/components/ui/separator';
import { ContactPanel } from '@/features/contacts/components/contact-panel';
import { ConversationView } from '@/features/inbox/components/conversation-view';
import { QuickReplyPicker } from '@/features/quick-replies/components/quick-reply-picker';
import { quickReplyValues } from '@/features/quick-replies/utils/render-quick-reply';
import { teamsQueryOptions } from '@/features/teams/api/teams';
import { TemplateSendButton } from '@/features/templates/components/template-picker';
import { TransferTrail } from '@/features/transfers/components/transfer-trail';
import { usersQueryOptions } from '@/features/users/api/users';
import { useCurrentUser } from '@/lib/auth';
import { can } from '@/lib/authorization';
import type { Ref } from '@/types/api';

function uniqueById(refs: Ref[]): Ref[] {
  const seen = new Map<string, Ref>();
  for (const r of refs) if (!seen.has(r.id)) seen.set(r.id, r);
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export default function ConversationRoute() {
  const { conversationId = '' } = useParams();
  const { search } = useLocation();
  const me = useCurrentUser();
  const teams = useQuery(teamsQueryOptions());
  const canReadUsers = can(me, 'users:read');
  const users = useQuery({ ...usersQueryOptions(), enabled: canReadUsers });

  // Supervisors pick from every active user; agents (who cannot list users) pick from the
  // members of the teams the server lists.
  const agents = canReadUsers
    ? (users.data?.items ?? [])
        .filter((u) => u.is_active !== false)
        .map((u) => ({ id: u.id, name: u.name }))
    : uniqueById((teams.data?.items ?? []).flatMap((team) => team.members ?? []));
  const teamRefs = (teams.data?.items ?? []).map((team) => ({ id: team.id, name: team.name }));
  const hrefFor = (id: string) => `/inbox/${id}${search}`;

  return (
    <ConversationView
      key={conversationId}
      conversationId={conversationId}
      backHref={`/inbox${search}`}
      agents={agents}
      teams={teamRefs}
      renderTemplateAction={(conversation, send) => (
        <TemplateSendButton numberId={conversation.number.id} onSend={send} />
      )}
      renderComposerSuggestions={(conversation, props) => (
        <QuickReplyPicker {...props} values={quickReplyValues(conversation, me.name)} />
      )}
      renderDetails={(conversation) => (
        <div className="grid gap-5 p-4">
          <ContactPanel conversation={conversation} hrefFor={hrefFor} />
          <Separator />
          <TransferTrail conversationId={conversation.id} />
        </div>
      )}
    />
  );
}
