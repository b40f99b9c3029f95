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
import { Label } from '@/components/ui/label';
import {
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
} from '@/components/ui/select';
import { Textarea } from '@/components/ui/textarea';
import { useI18n } from '@/lib/i18n/i18n-provider';
import type { Conversation, Ref } from '@/types/api';

import type { ConversationAction } from '../api/conversation-actions';

const NONE = '__none__';

export function TransferDialog({
  mode,
  open,
  onOpenChange,
  conversation,
  agents,
  teams,
  pending,
  onSubmit,
}: {
  mode: 'assign' | 'transfer';
  open: boolean;
  onOpenChange: (open: boolean) => void;
  conversation: Conversation;
  agents: Ref[];
  teams: Ref[];
  pending: boolean;
  onSubmit: (action: ConversationAction) => void;
}) {
  const { t } = useI18n();
  const id = React.useId();
  const [agent, setAgent] = React.useState(NONE);
  const [team, setTeam] = React.useState(conversation.team?.id ?? NONE);
  const [reason, setReason] = React.useState('');
  const [error, setError] = React.useState<string | null>(null);

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const userId = agent === NONE ? undefined : agent;
    const teamId = team === NONE ? undefined : team;
    if (mode === 'transfer') {
      if (!userId && !teamId) {
        setError(t('transfer.needTarget'));
        return;
      }
      onSubmit({
        kind: 'transfer',
        body: { to_user_id: userId, to_team_id: teamId, reason: reason.trim() || undefined },
      });
    } else {
      onSubmit({ kind: 'assign', body: { assignee_id: userId ?? null, team_id: teamId ?? null } });
    }
  };

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent closeLabel={t('common.close')}>
        <form onSubmit={submit} className="grid gap-4">
          <DialogHeader>
            <DialogTitle>
              {mode === 'transfer' ? t('transfer.title') : t('transfer.assignTitle')}
            </DialogTitle>
            <DialogDescription>{t('transfer.description')}</DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor={`${id}-agent`}>{t('transfer.agent')}</Label>
            <Select value={agent} onValueChange={(v) => (setAgent(v), setError(null))}>
              <SelectTrigger id={`${id}-agent`}>
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value={NONE}>{t('transfer.noAgent')}</SelectItem>
                {agents.map((a) => (
                  <SelectItem key={a.id} value={a.id}>
                    {a.name}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          <div className="grid gap-2">
            <Label htmlFor={`${id}-team`}>{t('transfer.team')}</Label>
            <Select value={team} onValueChange={(v) => (setTeam(v), setError(null))}>
              <SelectTrigger id={`${id}-team`}>
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value={NONE}>{t('transfer.noTeam')}</SelectItem>
                {teams.map((tm) => (
                  <SelectItem key={tm.id} value={tm.id}>
                    {tm.name}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          {mode === 'transfer' ? (
            <div className="grid gap-2">
              <Label htmlFor={`${id}-reason`}>
                {t('transfer.reason')}{' '}
                <span className="font-normal text-muted-foreground">({t('common.optional')})</span>
              </Label>
              <Textarea
                id={`${id}-reason`}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                maxLength={500}
              />
            </div>
          ) : null}
          {error ? (
            <p role="alert" className="text-sm text-destructive">
              {error}
            </p>
          ) : null}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" disabled={pending}>
              {mode === 'transfer' ? t('transfer.submit') : t('transfer.assignSubmit')}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
