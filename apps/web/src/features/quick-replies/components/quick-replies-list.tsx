import * as React from 'react';
import { useQuery } from '@tanstack/react-query';
import { PencilIcon, PlusIcon, SearchIcon, Trash2Icon } from 'lucide-react';

import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Input } from '@/components/ui/input';
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
import type { QuickReply, Ref } from '@/types/api';

import { quickRepliesQueryOptions, useDeleteQuickReply } from '../api/quick-replies';
import { QuickReplyDialog } from './quick-reply-dialog';

/** Settings › Quick replies: the user's personal replies and their teams', to manage. */
export function QuickRepliesList({ teams }: { teams: Ref[] }) {
  const { t } = useI18n();
  const [search, setSearch] = React.useState('');
  const query = useQuery(quickRepliesQueryOptions(search));
  const remove = useDeleteQuickReply();
  const [editing, setEditing] = React.useState<QuickReply | 'new' | null>(null);
  const [confirm, setConfirm] = React.useState<QuickReply | null>(null);

  return (
    <div className="grid gap-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="relative w-full max-w-xs">
          <SearchIcon
            className="absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground"
            aria-hidden="true"
          />
          <Input
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder={t('quickReplies.search')}
            aria-label={t('quickReplies.search')}
            className="pl-8"
          />
        </div>
        <Button onClick={() => setEditing('new')}>
          <PlusIcon aria-hidden="true" />
          {t('quickReplies.new')}
        </Button>
      </div>
      {query.isPending ? (
        <Skeleton className="h-40 w-full" />
      ) : query.isError ? (
        <p className="text-sm text-destructive">{t(errorMessageKey(query.error))}</p>
      ) : query.data.items.length === 0 ? (
        <p className="text-sm text-muted-foreground">
          {search.trim() ? t('quickReplies.noResults') : t('quickReplies.empty')}
        </p>
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>{t('quickReplies.shortcut')}</TableHead>
              <TableHead>{t('quickReplies.text')}</TableHead>
              <TableHead>{t('quickReplies.scope')}</TableHead>
              <TableHead className="hidden md:table-cell">{t('quickReplies.author')}</TableHead>
              <TableHead className="sr-only">{t('common.actions')}</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {query.data.items.map((reply) => (
              <TableRow key={reply.id}>
                <TableCell className="font-mono font-medium">/{reply.shortcut}</TableCell>
                <TableCell className="max-w-md">
                  <span className="line-clamp-2 whitespace-pre-line">{reply.text}</span>
                </TableCell>
                <TableCell>
                  <Badge variant={reply.team ? 'secondary' : 'muted'}>
                    {reply.team ? reply.team.name : t('quickReplies.personal')}
                  </Badge>
                </TableCell>
                <TableCell className="hidden md:table-cell">{reply.owner.name}</TableCell>
                <TableCell className="text-right whitespace-nowrap">
                  {reply.can_edit ? (
                    <>
                      <Button
                        variant="ghost"
                        size="icon-sm"
                        aria-label={`${t('common.edit')}: /${reply.shortcut}`}
                        onClick={() => setEditing(reply)}
                      >
                        <PencilIcon aria-hidden="true" />
                      </Button>
                      <Button
                        variant="ghost"
                        size="icon-sm"
                        aria-label={`${t('common.delete')}: /${reply.shortcut}`}
                        onClick={() => setConfirm(reply)}
                      >
                        <Trash2Icon aria-hidden="true" />
                      </Button>
                    </>
                  ) : null}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {editing ? (
        <QuickReplyDialog
          key={editing === 'new' ? 'new' : editing.id}
          reply={editing === 'new' ? null : editing}
          teams={teams}
          onClose={() => setEditing(null)}
        />
      ) : null}
      <ConfirmDialog
        open={confirm !== null}
        onOpenChange={(open) => !open && setConfirm(null)}
        title={t('common.delete')}
        description={
          confirm ? t('quickReplies.confirmDelete', { shortcut: confirm.shortcut }) : undefined
        }
        confirmLabel={t('common.delete')}
        cancelLabel={t('common.cancel')}
        closeLabel={t('common.close')}
        pending={remove.isPending}
        onConfirm={() =>
          confirm &&
          remove.mutate(confirm.id, {
            onSuccess: () => {
              toast({ title: t('quickReplies.deleted'), variant: 'success' });
              setConfirm(null);
            },
          })
        }
      />
    </div>
  );
}
