import { NavLink } from 'react-router';
import { UserIcon } from 'lucide-react';

import { Avatar, AvatarFallback } from '@/components/ui/avatar';
import { Badge } from '@/components/ui/badge';
import { contactDisplayName, initials } from '@/lib/display';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { cn } from '@/lib/utils';
import type { Conversation } from '@/types/api';

import { DeliveryTicks } from './delivery-ticks';
import { MessagePreview } from './message-preview';
import { getWindowState } from '../utils/conversation-state';
import { WindowBadge } from './window-badge';

export const CONVERSATION_ROW_HEIGHT = 88;

function sameDay(a: Date, b: Date) {
  return a.toDateString() === b.toDateString();
}

export function ConversationListItem({
  conversation,
  href,
  now,
}: {
  conversation: Conversation;
  href: string;
  now: number;
}) {
  const { t, fmt } = useI18n();
  const name = contactDisplayName(conversation.contact);
  const last = conversation.last_message;
  const at = conversation.last_message_at ?? conversation.created_at;
  const time = sameDay(new Date(at), new Date(now)) ? fmt.time(at) : fmt.shortDay(at);
  const unread = conversation.unread_count;

  return (
    <NavLink
      to={href}
      data-testid="conversation-row"
      data-conversation-id={conversation.id}
      aria-label={unread > 0 ? `${name}, ${t('inbox.unread', { count: unread })}` : name}
      className={({ isActive }) =>
        cn(
          'flex h-full items-start gap-3 border-b px-3 py-2.5 outline-none hover:bg-muted/60 focus-visible:bg-muted focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-inset',
          isActive && 'bg-accent hover:bg-accent',
        )
      }
    >
      <Avatar>
        <AvatarFallback>{initials(name)}</AvatarFallback>
      </Avatar>
      <div className="grid min-w-0 flex-1 grid-cols-1 gap-0.5">
        <div className="flex items-baseline gap-2">
          <span className={cn('truncate', unread > 0 ? 'font-semibold' : 'font-medium')}>
            {name}
          </span>
          <time
            dateTime={at}
            className={cn(
              'ml-auto shrink-0 text-xs',
              unread > 0 ? 'font-medium text-primary' : 'text-muted-foreground',
            )}
          >
            {time}
          </time>
        </div>
        <div className="flex items-center gap-1.5 text-sm text-muted-foreground">
          {last?.direction === 'outbound' ? (
            <DeliveryTicks status={last.status} error={last.error} />
          ) : null}
          <span className="truncate">
            {last ? <MessagePreview message={last} /> : t('inbox.noMessages')}
          </span>
          {unread > 0 ? (
            <Badge
              shape="pill"
              className="ml-auto"
              aria-label={t('inbox.unread', { count: unread })}
              data-testid="unread-badge"
            >
              {fmt.number(unread)}
            </Badge>
          ) : null}
        </div>
        <div className="flex min-w-0 items-center gap-1.5 text-xs text-muted-foreground">
          <span className="truncate">{conversation.number.label}</span>
          <span aria-hidden="true">·</span>
          <span className="flex min-w-0 items-center gap-1 truncate">
            <UserIcon className="size-3 shrink-0" aria-hidden="true" />
            <span className="truncate">{conversation.assignee?.name ?? t('inbox.unassigned')}</span>
          </span>
          <span className="ml-auto shrink-0">
            <WindowBadge state={getWindowState(conversation.window_expires_at, now)} compact />
          </span>
        </div>
      </div>
    </NavLink>
  );
}
