import * as React from 'react';
import { useQuery } from '@tanstack/react-query';
import { PencilIcon, PlusIcon, Trash2Icon, UsersIcon } from 'lucide-react';

import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Checkbox } from '@/components/ui/checkbox';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Skeleton } from '@/components/ui/skeleton';
import { errorMessageKey } from '@/lib/errors';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { toast } from '@/lib/toast';
import type { Ref, Team } from '@/types/api';

import { teamsQueryOptions, useDeleteTeam, useSaveTeam, useSetTeamMembers } from '../api/teams';

function TeamDialog({
  team,
  users,
  onClose,
}: {
  team: Team | null;
  users: Ref[];
  onClose: () => void;
}) {
  const { t } = useI18n();
  const save = useSaveTeam();
  const setMembers = useSetTeamMembers();
  const [memberIds, setMemberIds] = React.useState<string[]>(team?.members?.map((m) => m.id) ?? []);

  const submit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '').trim();
    save.mutate(
      { id: team?.id, name },
      {
        onSuccess: (saved) => {
          const finish = () => {
            toast({ title: t('teams.saved'), variant: 'success' });
            onClose();
          };
          if (users.length === 0) return finish();
          setMembers.mutate({ id: saved.id, userIds: memberIds }, { onSuccess: finish });
        },
      },
    );
  };

  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent closeLabel={t('common.close')}>
        <form onSubmit={submit} className="grid gap-4">
          <DialogHeader>
            <DialogTitle>{team ? t('teams.edit') : t('teams.new')}</DialogTitle>
            <DialogDescription className="sr-only">{t('teams.members')}</DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor="team-name">{t('common.name')}</Label>
            <Input id="team-name" name="name" defaultValue={team?.name} required />
          </div>
          {users.length > 0 ? (
            <fieldset className="grid max-h-64 gap-2 overflow-y-auto">
              <legend className="mb-2 text-sm font-medium">{t('teams.members')}</legend>
              {users.map((u) => (
                <Label key={u.id} className="font-normal">
                  <Checkbox
                    checked={memberIds.includes(u.id)}
                    onCheckedChange={(checked) =>
                      setMemberIds((ids) =>
                        checked === true ? [...ids, u.id] : ids.filter((id) => id !== u.id),
                      )
                    }
                  />
                  {u.name}
                </Label>
              ))}
            </fieldset>
          ) : null}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" disabled={save.isPending || setMembers.isPending}>
              {team ? t('common.save') : t('common.create')}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

export function TeamsList({ canWrite, users }: { canWrite: boolean; users: Ref[] }) {
  const { t } = useI18n();
  const query = useQuery(teamsQueryOptions());
  const remove = useDeleteTeam();
  const [editing, setEditing] = React.useState<Team | 'new' | null>(null);
  const [confirm, setConfirm] = React.useState<Team | null>(null);

  return (
    <div className="grid gap-3">
      {canWrite ? (
        <Button className="justify-self-end" onClick={() => setEditing('new')}>
          <PlusIcon aria-hidden="true" />
          {t('teams.new')}
        </Button>
      ) : null}
      {query.isPending ? (
        <Skeleton className="h-32 w-full" />
      ) : query.isError ? (
        <p className="text-sm text-destructive">{t(errorMessageKey(query.error))}</p>
      ) : query.data.items.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t('teams.empty')}</p>
      ) : (
        <div className="grid gap-3 sm:grid-cols-2 xl:grid-cols-3">
          {query.data.items.map((team) => (
            <Card key={team.id} className="gap-3">
              <CardHeader className="flex-row items-center gap-2">
                <UsersIcon className="size-4 text-muted-foreground" aria-hidden="true" />
                <CardTitle className="flex-1 truncate">
                  <h2>{team.name}</h2>
                </CardTitle>
                {canWrite ? (
                  <>
                    <Button
                      variant="ghost"
                      size="icon-sm"
                      aria-label={`${t('common.edit')}: ${team.name}`}
                      onClick={() => setEditing(team)}
                    >
                      <PencilIcon aria-hidden="true" />
                    </Button>
                    <Button
                      variant="ghost"
                      size="icon-sm"
                      aria-label={`${t('common.delete')}: ${team.name}`}
                      onClick={() => setConfirm(team)}
                    >
                      <Trash2Icon aria-hidden="true" />
                    </Button>
                  </>
                ) : null}
              </CardHeader>
              <CardContent className="flex flex-wrap gap-1">
                {team.members && team.members.length > 0 ? (
                  team.members.map((m) => (
                    <Badge key={m.id} variant="secondary">
                      {m.name}
                    </Badge>
                  ))
                ) : (
                  <span className="text-sm text-muted-foreground">{t('teams.noMembers')}</span>
                )}
              </CardContent>
            </Card>
          ))}
        </div>
      )}
      {editing ? (
        <TeamDialog
          key={editing === 'new' ? 'new' : editing.id}
          team={editing === 'new' ? null : editing}
          users={users}
          onClose={() => setEditing(null)}
        />
      ) : null}
      <ConfirmDialog
        open={confirm !== null}
        onOpenChange={(open) => !open && setConfirm(null)}
        title={t('common.delete')}
        description={confirm ? t('teams.confirmDelete', { name: confirm.name }) : undefined}
        confirmLabel={t('common.delete')}
        cancelLabel={t('common.cancel')}
        closeLabel={t('common.close')}
        pending={remove.isPending}
        onConfirm={() =>
          confirm &&
          remove.mutate(confirm.id, {
            onSuccess: () => {
              toast({ title: t('teams.deleted'), variant: 'success' });
              setConfirm(null);
            },
          })
        }
      />
    </div>
  );
}
