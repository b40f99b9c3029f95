import * as React from 'react';
import { useQuery } from '@tanstack/react-query';
import { FlaskConicalIcon, PencilIcon, PlusIcon, RefreshCwIcon, Trash2Icon } from 'lucide-react';

import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Skeleton } from '@/components/ui/skeleton';
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '@/components/ui/table';
import { errorMessageKey } from '@/lib/errors';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { toast } from '@/lib/toast';
import type { Ref, WhatsAppNumber } from '@/types/api';

import { numbersQueryOptions, useDeleteNumber, useSyncTemplates } from '../api/numbers';
import { NumberDialog } from './number-dialog';

export function NumbersTable({
  canWrite,
  canSyncTemplates = false,
  teams,
}: {
  canWrite: boolean;
  canSyncTemplates?: boolean;
  teams: Ref[];
}) {
  const { t } = useI18n();
  const query = useQuery(numbersQueryOptions());
  const remove = useDeleteNumber();
  const syncTemplates = useSyncTemplates();
  const hasActions = canWrite || canSyncTemplates;
  const [editing, setEditing] = React.useState<WhatsAppNumber | 'new' | null>(null);
  const [confirm, setConfirm] = React.useState<WhatsAppNumber | null>(null);
  const teamName = (n: WhatsAppNumber) =>
    n.default_team?.name ?? teams.find((tm) => tm.id === n.default_team_id)?.name ?? '—';

  return (
    <div className="grid gap-3">
      {canWrite ? (
        <Button className="justify-self-end" onClick={() => setEditing('new')}>
          <PlusIcon aria-hidden="true" />
          {t('numbers.new')}
        </Button>
      ) : null}
      {query.isPending ? (
        <Skeleton className="h-32 w-full" />
      ) : query.isError ? (
        <p className="text-sm text-destructive">{t(errorMessageKey(query.error))}</p>
      ) : query.data.items.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t('numbers.empty')}</p>
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>{t('numbers.label')}</TableHead>
              <TableHead>{t('numbers.display')}</TableHead>
              <TableHead className="hidden md:table-cell">{t('numbers.phoneNumberId')}</TableHead>
              <TableHead className="hidden sm:table-cell">{t('numbers.defaultTeam')}</TableHead>
              {hasActions ? <TableHead className="sr-only">{t('common.actions')}</TableHead> : null}
            </TableRow>
          </TableHeader>
          <TableBody>
            {query.data.items.map((n) => (
              <TableRow key={n.id}>
                <TableCell className="font-medium">
                  <span className="flex items-center gap-2">
                    {n.label}
                    {n.simulated ? (
                      <Badge variant="warning">
                        <FlaskConicalIcon aria-hidden="true" />
                        {t('numbers.simulated')}
                      </Badge>
                    ) : null}
                  </span>
                </TableCell>
                <TableCell>{n.display_phone_number}</TableCell>
                <TableCell className="hidden font-mono text-xs md:table-cell">
                  {n.phone_number_id}
                </TableCell>
                <TableCell className="hidden sm:table-cell">{teamName(n)}</TableCell>
                {hasActions ? (
                  <TableCell className="text-right whitespace-nowrap">
                    {/* Templates belong to the number's WhatsApp Business Account. */}
                    {canSyncTemplates && (n.waba_id || n.simulated) ? (
                      <Button
                        variant="ghost"
                        size="icon-sm"
                        aria-label={`${t('numbers.syncTemplates')}: ${n.label}`}
                        title={t('numbers.syncTemplates')}
                        disabled={syncTemplates.isPending}
                        onClick={() =>
                          syncTemplates.mutate(n.id, {
                            onSuccess: () =>
                              toast({ title: t('numbers.syncStarted'), variant: 'success' }),
                          })
                        }
                      >
                        <RefreshCwIcon aria-hidden="true" />
                      </Button>
                    ) : null}
                    {canWrite ? (
                      <>
                        <Button
                          variant="ghost"
                          size="icon-sm"
                          aria-label={`${t('common.edit')}: ${n.label}`}
                          onClick={() => setEditing(n)}
                        >
                          <PencilIcon aria-hidden="true" />
                        </Button>
                        <Button
                          variant="ghost"
                          size="icon-sm"
                          aria-label={`${t('common.delete')}: ${n.label}`}
                          onClick={() => setConfirm(n)}
                        >
                          <Trash2Icon aria-hidden="true" />
                        </Button>
                      </>
                    ) : null}
                  </TableCell>
                ) : null}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {editing ? (
        <NumberDialog
          key={editing === 'new' ? 'new' : editing.id}
          number={editing === 'new' ? null : editing}
          teams={teams}
          onClose={() => setEditing(null)}
        />
      ) : null}
      <ConfirmDialog
        open={confirm !== null}
        onOpenChange={(open) => !open && setConfirm(null)}
        title={t('common.delete')}
        description={confirm ? t('numbers.confirmDelete', { name: confirm.label }) : undefined}
        confirmLabel={t('common.delete')}
        cancelLabel={t('common.cancel')}
        closeLabel={t('common.close')}
        pending={remove.isPending}
        onConfirm={() =>
          confirm &&
          remove.mutate(confirm.id, {
            onSuccess: () => {
              toast({ title: t('numbers.deleted'), variant: 'success' });
              setConfirm(null);
            },
          })
        }
      />
    </div>
  );
}
