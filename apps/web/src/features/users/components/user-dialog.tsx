import * as React from 'react';

import { Button } from '@/components/ui/button';
import { Checkbox } from '@/components/ui/checkbox';
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
import {
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
} from '@/components/ui/select';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { toast } from '@/lib/toast';
import type { Ref, Role, User } from '@/types/api';

import { useCreateUser, useUpdateUser } from '../api/users';

const ROLES: Role[] = ['AGENT', 'SUPERVISOR', 'ADMIN'];

export function UserDialog({
  user,
  teams,
  open,
  onOpenChange,
}: {
  user: User | null;
  teams: Ref[];
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const { t } = useI18n();
  const create = useCreateUser();
  const update = useUpdateUser();
  const [role, setRole] = React.useState<Role>(user?.role ?? 'AGENT');
  const [teamIds, setTeamIds] = React.useState<string[]>(user?.teams?.map((tm) => tm.id) ?? []);
  const pending = create.isPending || update.isPending;

  const submit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = String(form.get('name') ?? '').trim();
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    const done = () => {
      toast({ title: t('users.saved'), variant: 'success' });
      onOpenChange(false);
    };
    if (user) {
      update.mutate(
        { id: user.id, body: { name, role, team_ids: teamIds, ...(password ? { password } : {}) } },
        { onSuccess: done },
      );
    } else {
      create.mutate({ name, email, password, role, team_ids: teamIds }, { onSuccess: done });
    }
  };

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent closeLabel={t('common.close')}>
        <form onSubmit={submit} className="grid gap-4">
          <DialogHeader>
            <DialogTitle>{user ? t('users.edit') : t('users.new')}</DialogTitle>
            <DialogDescription className="sr-only">
              {user ? t('users.edit') : t('users.new')}
            </DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor="user-name">{t('common.name')}</Label>
            <Input id="user-name" name="name" defaultValue={user?.name} required />
          </div>
          <div className="grid gap-2">
            <Label htmlFor="user-email">{t('common.email')}</Label>
            <Input
              id="user-email"
              name="email"
              type="email"
              defaultValue={user?.email}
              required
              disabled={!!user}
            />
          </div>
          <div className="grid gap-2">
            <Label htmlFor="user-password">{t('users.password')}</Label>
            <Input
              id="user-password"
              name="password"
              type="password"
              autoComplete="new-password"
              required={!user}
              minLength={8}
              aria-describedby={user ? 'user-password-hint' : undefined}
            />
            {user ? (
              <p id="user-password-hint" className="text-xs text-muted-foreground">
                {t('users.passwordHint')}
              </p>
            ) : null}
          </div>
          <div className="grid gap-2">
            <Label htmlFor="user-role">{t('common.role')}</Label>
            <Select value={role} onValueChange={(v) => setRole(v as Role)}>
              <SelectTrigger id="user-role">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {ROLES.map((r) => (
                  <SelectItem key={r} value={r}>
                    {t(`role.${r}`)}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          {teams.length > 0 ? (
            <fieldset className="grid gap-2">
              <legend className="mb-2 text-sm font-medium">{t('common.teams')}</legend>
              {teams.map((team) => (
                <Label key={team.id} className="font-normal">
                  <Checkbox
                    checked={teamIds.includes(team.id)}
                    onCheckedChange={(checked) =>
                      setTeamIds((ids) =>
                        checked === true ? [...ids, team.id] : ids.filter((id) => id !== team.id),
                      )
                    }
                  />
                  {team.name}
                </Label>
              ))}
            </fieldset>
          ) : null}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" disabled={pending}>
              {user ? t('common.save') : t('common.create')}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
