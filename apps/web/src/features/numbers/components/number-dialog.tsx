import * as React from 'react';

import { Button } from '@/components/ui/button';
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
import { Switch } from '@/components/ui/switch';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { toast } from '@/lib/toast';
import type { NumberCreate, Ref, WhatsAppNumber } from '@/types/api';

import { useSaveNumber } from '../api/numbers';

const NONE = '__none__';

export function NumberDialog({
  number,
  teams,
  onClose,
}: {
  number: WhatsAppNumber | null;
  teams: Ref[];
  onClose: () => void;
}) {
  const { t } = useI18n();
  const save = useSaveNumber();
  const [team, setTeam] = React.useState(
    number?.default_team?.id ?? number?.default_team_id ?? NONE,
  );
  const [simulated, setSimulated] = React.useState(number?.simulated ?? false);

  const submit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (key: string) => String(form.get(key) ?? '').trim();
    const token = text('access_token');
    const body: NumberCreate = {
      label: text('label'),
      phone_number_id: text('phone_number_id'),
      display_phone_number: text('display_phone_number'),
      waba_id: text('waba_id') || undefined,
      default_team_id: team === NONE ? null : team,
      simulated,
      // Write-only: sent only when typed, never read back.
      ...(token ? { access_token: token } : {}),
    };
    save.mutate(
      { id: number?.id, body },
      {
        onSuccess: () => {
          toast({ title: t('numbers.saved'), variant: 'success' });
          onClose();
        },
      },
    );
  };

  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent closeLabel={t('common.close')}>
        <form onSubmit={submit} className="grid gap-4" autoComplete="off">
          <DialogHeader>
            <DialogTitle>{number ? t('numbers.edit') : t('numbers.new')}</DialogTitle>
            <DialogDescription className="sr-only">{t('numbers.new')}</DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor="number-label">{t('numbers.label')}</Label>
            <Input id="number-label" name="label" defaultValue={number?.label} required />
          </div>
          <div className="grid gap-4 sm:grid-cols-2">
            <div className="grid gap-2">
              <Label htmlFor="number-pnid">{t('numbers.phoneNumberId')}</Label>
              <Input
                id="number-pnid"
                name="phone_number_id"
                defaultValue={number?.phone_number_id}
                required
                inputMode="numeric"
              />
            </div>
            <div className="grid gap-2">
              <Label htmlFor="number-display">{t('numbers.display')}</Label>
              <Input
                id="number-display"
                name="display_phone_number"
                defaultValue={number?.display_phone_number}
                required
                inputMode="tel"
              />
            </div>
          </div>
          <div className="grid gap-2">
            <Label htmlFor="number-waba">
              {t('numbers.wabaId')}{' '}
              <span className="font-normal text-muted-foreground">({t('common.optional')})</span>
            </Label>
            <Input id="number-waba" name="waba_id" defaultValue={number?.waba_id ?? ''} />
          </div>
          <div className="grid gap-2">
            <Label htmlFor="number-token">
              {t('numbers.accessToken')}{' '}
              <span className="font-normal text-muted-foreground">({t('common.optional')})</span>
            </Label>
            <Input
              id="number-token"
              name="access_token"
              type="password"
              autoComplete="new-password"
              aria-describedby="number-token-hint"
            />
            <p id="number-token-hint" className="text-xs text-muted-foreground">
              {t('numbers.accessTokenHint')}
            </p>
          </div>
          <div className="grid gap-2">
            <Label htmlFor="number-team">{t('numbers.defaultTeam')}</Label>
            <Select value={team} onValueChange={setTeam}>
              <SelectTrigger id="number-team">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value={NONE}>{t('common.none')}</SelectItem>
                {teams.map((tm) => (
                  <SelectItem key={tm.id} value={tm.id}>
                    {tm.name}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          <div className="flex items-start gap-3">
            <Switch
              id="number-simulated"
              checked={simulated}
              onCheckedChange={setSimulated}
              aria-describedby="number-simulated-hint"
            />
            <div className="grid gap-1">
              <Label htmlFor="number-simulated">{t('numbers.simulated')}</Label>
              <p id="number-simulated-hint" className="text-xs text-muted-foreground">
                {t('numbers.simulatedHint')}
              </p>
            </div>
          </div>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" disabled={save.isPending}>
              {number ? t('common.save') : t('common.create')}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
