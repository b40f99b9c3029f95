import * as React from 'react';
import { useQuery } from '@tanstack/react-query';
import { PencilIcon, PlusIcon, UserXIcon } from 'lucide-react';

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
import type { Ref, User } from '@/types/api';

import { useDeactivateUser, usersQueryOptions } from '../api/users';
import { UserDialog } from './user-dialog';

export function UsersTable({ canWrite, teams }: { canWrite: boolean; teams: Ref[] }) {
  const { t } = useI18n();
  const query = useQuery(usersQueryOptions());
  const deactivate = useDeactivateUser();
  const [editing, setEditing] = React.useState<User | 'new' | null>(null);
  const [confirm, setConfirm] = React.useState<User | null>(null);

  return (
    <div className="grid gap-3">
      {canWrite ? (
        <Button className="justify-self-end" onClick={() => setEditing('new')}>
          <PlusIcon aria-hidden="true" />
          {t('users.new')}
        </Button>
      ) : null}
      {query.isPending ? (
        <Skeleton className="h-40 w-full" />
      ) : query.isError ? (
        <p className="text-sm text-destructive">{t(errorMessageKey(query.error))}</p>
      ) : query.data.items.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t('users.empty')}</p>
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>{t('common.name')}</TableHead>
              <TableHead className="hidden sm:table-cell">{t('common.email')}</TableHead>
              <TableHead>{t('common.role')}</TableHead>
              <TableHead className="hidden md:table-cell">{t('common.teams')}</TableHead>
              <TableHead>{t('common.status')}</TableHead>
              {canWrite ? <TableHead className="sr-only">{t('common.actions')}</TableHead> : null}
            </TableRow>
          </TableHeader>
          <TableBody>
            {query.data.items.map((user) => (
              <TableRow key={user.id}>
                <TableCell className="font-medium">{user.name}</TableCell>
                <TableCell className="hidden sm:table-cell">{user.email}</TableCell>
                <TableCell>{t(`role.${user.role}`)}</TableCell>
                <TableCell className="hidden md:table-cell">
                  {user.teams?.map((tm) => tm.name).join(', ') || '—'}
                </TableCell>
                <TableCell>
                  <Badge variant={user.is_active === false ? 'muted' : 'success'}>
                    {user.is_active === false ? t('users.inactive') : t('users.active')}
                  </Badge>
                </TableCell>
                {canWrite ? (
                  <TableCell className="text-right whitespace-nowrap">
                    <Button
                      variant="ghost"
                      size="icon-sm"
                      aria-label={`${t('common.edit')}: ${user.name}`}
                      onClick={() => setEditing(user)}
                    >
                      <PencilIcon aria-hidden="true" />
                    </Button>
                    {user.is_active !== false ? (
                      <Button
                        variant="ghost"
                        size="icon-sm"
                        aria-label={`${t('users.deactivate')}: ${user.name}`}
                        onClick={() => setConfirm(user)}
                      >
                        <UserXIcon aria-hidden="true" />
                      </Button>
                    ) : null}
                  </TableCell>
                ) : null}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {editing ? (
        <UserDialog
          key={editing === 'new' ? 'new' : editing.id}
          user={editing === 'new' ? null : editing}
          teams={teams}
          open
          onOpenChange={(open) => !open && setEditing(null)}
        />
      ) : null}
      <ConfirmDialog
        open={confirm !== null}
        onOpenChange={(open) => !open && setConfirm(null)}
        title={t('users.deactivate')}
        description={confirm ? t('users.confirmDeactivate', { name: confirm.name }) : undefined}
        confirmLabel={t('users.deactivate')}
        cancelLabel={t('common.cancel')}
        closeLabel={t('common.close')}
        pending={deactivate.isPending}
        onConfirm={() =>
          confirm &&
          deactivate.mutate(confirm.id, {
            onSuccess: () => {
              toast({ title: t('users.deactivated'), variant: 'success' });
              setConfirm(null);
            },
          })
        }
      />
    </div>
  );
}
