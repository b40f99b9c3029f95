import { useQuery } from '@tanstack/react-query';
import { ArrowRightLeftIcon } from 'lucide-react';

import { Skeleton } from '@/components/ui/skeleton';
import { errorMessageKey } from '@/lib/errors';
import { useI18n } from '@/lib/i18n/i18n-provider';
import type { MessageKey } from '@/lib/i18n/messages';
import type { Ref, Transfer, TransferKind } from '@/types/api';

import { transfersQueryOptions } from '../api/get-transfers';

function target(user: Ref | null, team: Ref | null, nobody: string) {
  const parts = [user?.name, team ? `#${team.name}` : null].filter(Boolean);
  return parts.length ? parts.join(' · ') : nobody;
}

const kindLabels: Record<TransferKind, MessageKey> = {
  assign: 'details.kind.assign',
  take: 'details.kind.take',
  unassign: 'details.kind.unassign',
  transfer: 'details.kind.transfer',
};

function TrailEntry({ transfer }: { transfer: Transfer }) {
  const { t, fmt } = useI18n();
  return (
    <li
      className="relative grid gap-0.5 pb-3 pl-5 text-sm"
      data-testid="transfer-entry"
      data-kind={transfer.kind}
    >
      <span className="absolute top-1.5 left-0 size-2 rounded-full bg-primary" aria-hidden="true" />
      <span className="text-xs font-medium tracking-wide text-muted-foreground uppercase">
        {t(kindLabels[transfer.kind])}
      </span>
      <span>
        <span className="text-muted-foreground">
          {target(transfer.from_user, transfer.from_team, t('details.nobody'))}
        </span>{' '}
        →{' '}
        <span className="font-medium">
          {target(transfer.to_user, transfer.to_team, t('details.nobody'))}
        </span>
      </span>
      <span className="text-xs text-muted-foreground">
        {transfer.by_user?.name ?? t('details.system')} ·{' '}
        <time dateTime={transfer.created_at}>{fmt.dateTime(transfer.created_at)}</time>
      </span>
      {transfer.reason ? <q className="text-xs italic">{transfer.reason}</q> : null}
    </li>
  );
}

export function TransferTrail({ conversationId }: { conversationId: string }) {
  const { t } = useI18n();
  const query = useQuery(transfersQueryOptions(conversationId));
  return (
    <section aria-labelledby="trail-heading" className="grid gap-2">
      <h3 id="trail-heading" className="flex items-center gap-2 text-sm font-semibold">
        <ArrowRightLeftIcon className="size-4" aria-hidden="true" />
        {t('details.trail')}
      </h3>
      {query.isPending ? (
        <Skeleton className="h-12 w-full" />
      ) : query.isError ? (
        <p className="text-sm text-destructive">{t(errorMessageKey(query.error))}</p>
      ) : query.data.items.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t('details.noTrail')}</p>
      ) : (
        <ol className="border-l border-border pl-0">
          {query.data.items.map((tr) => (
            <TrailEntry key={tr.id} transfer={tr} />
          ))}
        </ol>
      )}
    </section>
  );
}
