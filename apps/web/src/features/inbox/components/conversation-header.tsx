import * as React from 'react';
import { Link, useNavigate } from 'react-router';
import {
  ArrowLeftIcon,
  CheckCircle2Icon,
  EllipsisVerticalIcon,
  HandIcon,
  PanelRightIcon,
  RotateCcwIcon,
  SendToBackIcon,
  UserMinusIcon,
  UserPlusIcon,
} from 'lucide-react';

import { Avatar, AvatarFallback } from '@/components/ui/avatar';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from '@/components/ui/dropdown-menu';
import { useCurrentUser } from '@/lib/auth';
import { can } from '@/lib/authorization';
import { contactDisplayName, formatPhone, initials } from '@/lib/display';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { toast } from '@/lib/toast';
import type { Conversation, Ref } from '@/types/api';

import { useConversationAction, type ConversationAction } from '../api/conversation-actions';
import { TransferDialog } from './transfer-dialog';
import { getWindowState } from '../utils/conversation-state';
import { WindowBadge } from './window-badge';

const ignore = () => undefined;

export function ConversationHeader({
  conversation,
  now,
  backHref,
  agents,
  teams,
  onToggleDetails,
  detailsOpen,
}: {
  conversation: Conversation;
  now: number;
  backHref: string;
  agents: Ref[];
  teams: Ref[];
  onToggleDetails: () => void;
  detailsOpen: boolean;
}) {
  const { t } = useI18n();
  const me = useCurrentUser();
  const navigate = useNavigate();
  const action = useConversationAction(conversation.id);
  const [dialog, setDialog] = React.useState<'assign' | 'transfer' | null>(null);
  const name = contactDisplayName(conversation.contact);

  // mutateAsync, not mutate's callbacks: the socket event of a transfer can arrive before the
  // HTTP answer and unmount this header (the conversation left my reach), and mutate's
  // callbacks never run for an unmounted observer. Failures get the global error toast.
  const run = (a: ConversationAction, done: Parameters<typeof t>[0]) => {
    void action.mutateAsync(a).then((result) => {
      setDialog(null);
      toast({ title: t(done), variant: 'success' });
      // Handed to a team I am not in: it is no longer mine to see, so back to the list.
      if (!can(me, 'conversations:see', result)) void navigate(backHref);
    }, ignore);
  };

  const canTake = can(me, 'conversations:take', conversation);
  const canTransfer = can(me, 'conversations:transfer', conversation);
  const canAssign = can(me, 'conversations:assign-others');
  const canUnassign = can(me, 'conversations:unassign', conversation);
  const resolved = conversation.status === 'resolved';

  return (
    <header className="flex items-center gap-2 border-b bg-background px-2 py-2 sm:px-3">
      <Button variant="ghost" size="icon" asChild className="md:hidden">
        <Link to={backHref} aria-label={t('actions.backToList')}>
          <ArrowLeftIcon aria-hidden="true" />
        </Link>
      </Button>
      <Avatar className="hidden sm:flex">
        <AvatarFallback>{initials(name)}</AvatarFallback>
      </Avatar>
      <div className="grid min-w-0 flex-1">
        <h2 className="truncate font-semibold" data-testid="conversation-title">
          {name}
        </h2>
        <div className="flex min-w-0 flex-wrap items-center gap-x-2 gap-y-1 text-xs text-muted-foreground">
          <span className="truncate">{formatPhone(conversation.contact.wa_id)}</span>
          <span aria-hidden="true">·</span>
          <span className="truncate">{conversation.number.label}</span>
          {resolved ? <Badge variant="muted">{t('inbox.status.resolved')}</Badge> : null}
          <span className="hidden sm:inline-flex">
            <WindowBadge state={getWindowState(conversation.window_expires_at, now)} />
          </span>
        </div>
      </div>

      <div className="flex items-center gap-1">
        {canTake && !resolved ? (
          <Button
            size="sm"
            onClick={() => run({ kind: 'assign', body: { assignee_id: me.id } }, 'actions.taken')}
            disabled={action.isPending}
          >
            <HandIcon aria-hidden="true" />
            {t('actions.take')}
          </Button>
        ) : null}
        {canTransfer && !resolved ? (
          <Button
            size="sm"
            variant="outline"
            className="hidden lg:inline-flex"
            onClick={() => setDialog('transfer')}
          >
            <SendToBackIcon aria-hidden="true" />
            {t('actions.transfer')}
          </Button>
        ) : null}
        {resolved ? (
          <Button
            size="sm"
            variant="outline"
            onClick={() => run({ kind: 'reopen' }, 'actions.reopened')}
            disabled={action.isPending}
          >
            <RotateCcwIcon aria-hidden="true" />
            <span className="hidden sm:inline">{t('actions.reopen')}</span>
          </Button>
        ) : (
          <Button
            size="sm"
            variant="outline"
            className="hidden sm:inline-flex"
            onClick={() => run({ kind: 'resolve' }, 'actions.resolved')}
            disabled={action.isPending}
          >
            <CheckCircle2Icon aria-hidden="true" />
            {t('actions.resolve')}
          </Button>
        )}
        <DropdownMenu>
          <DropdownMenuTrigger asChild>
            <Button variant="ghost" size="icon" aria-label={t('actions.more')}>
              <EllipsisVerticalIcon aria-hidden="true" />
            </Button>
          </DropdownMenuTrigger>
          <DropdownMenuContent align="end">
            {canTransfer && !resolved ? (
              <DropdownMenuItem onSelect={() => setDialog('transfer')}>
                <SendToBackIcon aria-hidden="true" />
                {t('actions.transfer')}
              </DropdownMenuItem>
            ) : null}
            {canAssign && !resolved ? (
              <DropdownMenuItem onSelect={() => setDialog('assign')}>
                <UserPlusIcon aria-hidden="true" />
                {t('actions.assign')}
              </DropdownMenuItem>
            ) : null}
            {canUnassign && !resolved ? (
              <DropdownMenuItem
                onSelect={() =>
                  run({ kind: 'assign', body: { assignee_id: null } }, 'actions.assigned')
                }
              >
                <UserMinusIcon aria-hidden="true" />
                {t('actions.unassign')}
              </DropdownMenuItem>
            ) : null}
            {!resolved ? (
              <DropdownMenuItem onSelect={() => run({ kind: 'resolve' }, 'actions.resolved')}>
                <CheckCircle2Icon aria-hidden="true" />
                {t('actions.resolve')}
              </DropdownMenuItem>
            ) : null}
          </DropdownMenuContent>
        </DropdownMenu>
        <Button
          variant={detailsOpen ? 'secondary' : 'ghost'}
          size="icon"
          aria-label={t('actions.details')}
          aria-pressed={detailsOpen}
          onClick={onToggleDetails}
        >
          <PanelRightIcon aria-hidden="true" />
        </Button>
      </div>

      {dialog ? (
        <TransferDialog
          key={dialog}
          mode={dialog}
          open
          onOpenChange={(open) => !open && setDialog(null)}
          conversation={conversation}
          agents={agents}
          teams={teams}
          pending={action.isPending}
          onSubmit={(a) =>
            run(a, a.kind === 'transfer' ? 'actions.transferred' : 'actions.assigned')
          }
        />
      ) : null}
    </header>
  );
}
