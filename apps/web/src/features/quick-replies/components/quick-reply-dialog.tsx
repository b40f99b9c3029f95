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
import { Textarea } from '@/components/ui/textarea';
import { isApiError } from '@/lib/api-client';
import { errorMessageKey } from '@/lib/errors';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { toast } from '@/lib/toast';
import type { QuickReply, Ref } from '@/types/api';

import { useSaveQuickReply } from '../api/quick-replies';
import { QUICK_REPLY_VARIABLES } from '../utils/render-quick-reply';

const SHORTCUT = /^[a-z0-9_-]{1,32}$/;
const MAX_TEXT = 4096;
const PERSONAL = 'personal';

/** Lowercase, without a leading "/" or spaces: what the server stores. */
function normalizeShortcut(value: string) {
  return value.trim().replace(/^\/+/, '').toLowerCase();
}

export function QuickReplyDialog({
  reply,
  teams,
  onClose,
}: {
  reply: QuickReply | null;
  /** The teams the user may share a reply with. */
  teams: Ref[];
  onClose: () => void;
}) {
  const { t } = useI18n();
  const save = useSaveQuickReply();
  const [shortcut, setShortcut] = React.useState(reply?.shortcut ?? '');
  const [text, setText] = React.useState(reply?.text ?? '');
  const [scope, setScope] = React.useState(reply?.team?.id ?? PERSONAL);
  const [shortcutError, setShortcutError] = React.useState<string | null>(null);
  const [formError, setFormError] = React.useState<string | null>(null);
  const textRef = React.useRef<HTMLTextAreaElement>(null);
  const shortcutId = React.useId();
  const shortcutHintId = React.useId();
  const textId = React.useId();

  const insertVariable = (name: string) => {
    const box = textRef.current;
    const token = `{{${name}}}`;
    const start = box?.selectionStart ?? text.length;
    const end = box?.selectionEnd ?? text.length;
    setText(text.slice(0, start) + token + text.slice(end));
    requestAnimationFrame(() => {
      box?.focus();
      box?.setSelectionRange(start + token.length, start + token.length);
    });
  };

  const submit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = normalizeShortcut(shortcut);
    if (!SHORTCUT.test(value)) {
      setShortcutError(t('quickReplies.shortcutInvalid'));
      return;
    }
    setShortcutError(null);
    setFormError(null);
    const body = reply
      ? { shortcut: value, text }
      : { shortcut: value, text, team_id: scope === PERSONAL ? null : scope };
    save.mutate(
      { id: reply?.id, body },
      {
        onSuccess: () => {
          toast({ title: t('quickReplies.saved'), variant: 'success' });
          onClose();
        },
        onError: (error) => {
          if (isApiError(error) && error.code === 'quick_reply_shortcut_taken') {
            setShortcutError(t('quickReplies.shortcutTaken'));
          } else {
            setFormError(t(errorMessageKey(error)));
          }
        },
      },
    );
  };

  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent closeLabel={t('common.close')}>
        <form onSubmit={submit} className="grid gap-4" noValidate>
          <DialogHeader>
            <DialogTitle>{reply ? t('quickReplies.edit') : t('quickReplies.new')}</DialogTitle>
            <DialogDescription>{t('quickReplies.shortcutHint')}</DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor={shortcutId}>{t('quickReplies.shortcut')}</Label>
            <div className="flex items-center gap-1">
              <span className="font-mono text-muted-foreground" aria-hidden="true">
                /
              </span>
              <Input
                id={shortcutId}
                value={shortcut}
                onChange={(e) => setShortcut(e.target.value)}
                maxLength={40}
                autoComplete="off"
                spellCheck={false}
                required
                className="font-mono"
                aria-invalid={shortcutError ? true : undefined}
                aria-describedby={shortcutError ? shortcutHintId : undefined}
              />
            </div>
            {shortcutError ? (
              <p id={shortcutHintId} className="text-sm text-destructive">
                {shortcutError}
              </p>
            ) : null}
          </div>
          <div className="grid gap-2">
            <Label htmlFor={textId}>{t('quickReplies.text')}</Label>
            <Textarea
              id={textId}
              ref={textRef}
              value={text}
              onChange={(e) => setText(e.target.value)}
              maxLength={MAX_TEXT}
              rows={5}
              required
              className="max-h-72"
            />
            <div className="flex flex-wrap items-center gap-1 text-xs text-muted-foreground">
              <span>{t('quickReplies.variables')}:</span>
              {QUICK_REPLY_VARIABLES.map((name) => (
                <Button
                  key={name}
                  type="button"
                  variant="outline"
                  size="sm"
                  className="h-6 px-2 font-mono text-xs"
                  title={t(`quickReplies.variable.${name}`)}
                  aria-label={`${t('quickReplies.variables')}: ${t(`quickReplies.variable.${name}`)}`}
                  onClick={() => insertVariable(name)}
                >
                  {`{{${name}}}`}
                </Button>
              ))}
            </div>
          </div>
          <div className="grid gap-2">
            <Label>{t('quickReplies.scope')}</Label>
            {reply ? (
              <p className="text-sm">
                {reply.team
                  ? t('quickReplies.teamScope', { name: reply.team.name })
                  : t('quickReplies.onlyMe')}{' '}
                <span className="text-muted-foreground">({t('quickReplies.scopeFixed')})</span>
              </p>
            ) : (
              <Select value={scope} onValueChange={setScope}>
                <SelectTrigger aria-label={t('quickReplies.scope')}>
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  <SelectItem value={PERSONAL}>{t('quickReplies.onlyMe')}</SelectItem>
                  {teams.map((team) => (
                    <SelectItem key={team.id} value={team.id}>
                      {t('quickReplies.teamScope', { name: team.name })}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            )}
          </div>
          {formError ? (
            <p role="alert" className="text-sm text-destructive">
              {formError}
            </p>
          ) : null}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" disabled={save.isPending || text.trim() === ''}>
              {reply ? t('common.save') : t('common.create')}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
