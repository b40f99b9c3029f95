import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { HistoryIcon } from 'lucide-react';

import { Avatar, AvatarFallback } from '@/components/ui/avatar';
import { Badge } from '@/components/ui/badge';
import { Skeleton } from '@/components/ui/skeleton';
import { contactDisplayName, formatPhone, initials } from '@/lib/display';
import { errorMessageKey } from '@/lib/errors';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { cn } from '@/lib/utils';
import type { Conversation } from '@/types/api';

import { contactConversationsQueryOptions } from '../api/get-contact-conversations';

export function ContactPanel({
  conversation,
  hrefFor,
}: {
  conversation: Conversation;
  hrefFor: (conversationId: string) => string;
}) {
  const { t, fmt } = useI18n();
  const contact = conversation.contact;
  const name = contactDisplayName(contact);
  const history = useQuery(contactConversationsQueryOptions(contact.id));

  return (
    <div className="grid gap-5">
      <section
        aria-label={t('details.contact')}
        className="flex flex-col items-center gap-2 text-center"
      >
        <Avatar size="lg">
          <AvatarFallback>{initials(name)}</AvatarFallback>
        </Avatar>
        <div className="grid gap-0.5">
          <span className="font-semibold" data-testid="contact-name">
            {name}
          </span>
          {contact.wa_id ? (
            <span className="text-sm text-muted-foreground">
              {t('details.waId')}: {formatPhone(contact.wa_id)}
            </span>
          ) : null}
          <span className="text-xs text-muted-foreground">
            {conversation.number.label} · {conversation.number.display_phone_number}
          </span>
        </div>
      </section>

      <section aria-labelledby="history-heading" className="grid gap-2">
        <h3 id="history-heading" className="flex items-center gap-2 text-sm font-semibold">
          <HistoryIcon className="size-4" aria-hidden="true" />
          {t('details.history')}
        </h3>
        {history.isPending ? (
          <Skeleton className="h-16 w-full" />
        ) : history.isError ? (
          <p className="text-sm text-destructive">{t(errorMessageKey(history.error))}</p>
        ) : history.data.items.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t('details.noHistory')}</p>
        ) : (
          <ul className="grid gap-1">
            {history.data.items.map((c) => (
              <li key={c.id}>
                <Link
                  to={hrefFor(c.id)}
                  aria-current={c.id === conversation.id ? 'page' : undefined}
                  className={cn(
                    'grid gap-0.5 rounded-md border px-3 py-2 text-sm hover:bg-muted focus-visible:ring-2 focus-visible:ring-ring',
                    c.id === conversation.id && 'border-primary',
                  )}
                >
                  <span className="flex items-center justify-between gap-2">
                    <time dateTime={c.created_at}>{fmt.date(c.created_at)}</time>
                    <Badge variant={c.status === 'open' ? 'success' : 'muted'}>
                      {c.id === conversation.id
                        ? t('details.current')
                        : c.status === 'open'
                          ? t('inbox.status.open')
                          : t('inbox.status.resolved')}
                    </Badge>
                  </span>
                  <span className="truncate text-xs text-muted-foreground">
                    {c.last_message?.text ?? c.number.label}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
