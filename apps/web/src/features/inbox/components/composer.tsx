import * as React from 'react';
import { InfoIcon, SendHorizontalIcon } from 'lucide-react';

import { Button } from '@/components/ui/button';
import { Textarea } from '@/components/ui/textarea';
import { useI18n } from '@/lib/i18n/i18n-provider';

export type ComposerBlock = 'window-closed' | 'no-window' | 'resolved' | null;

/**
 * Enter sends, Shift+Enter inserts a newline. Disabled, with the reason shown, when a free
 * text reply is not allowed (24-hour window closed or never opened, conversation resolved).
 */
export function Composer({
  onSend,
  blocked,
}: {
  onSend: (text: string) => void;
  blocked: ComposerBlock;
}) {
  const { t } = useI18n();
  const [text, setText] = React.useState('');
  const textareaRef = React.useRef<HTMLTextAreaElement>(null);
  const reasonId = React.useId();
  const disabled = blocked !== null;

  const send = () => {
    const value = text.trim();
    if (!value || disabled) return;
    onSend(value);
    setText('');
    textareaRef.current?.focus();
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>) => {
    // isComposing: Enter that confirms an IME composition must not send.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  const reason =
    blocked === 'window-closed'
      ? t('window.closedExplanation')
      : blocked === 'no-window'
        ? t('window.noneExplanation')
        : blocked === 'resolved'
          ? t('composer.resolved')
          : null;

  return (
    <form
      className="border-t bg-background p-2 sm:p-3"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {reason ? (
        <p
          id={reasonId}
          data-testid="composer-blocked"
          className="mb-2 flex items-start gap-2 rounded-md bg-muted px-3 py-2 text-sm text-muted-foreground"
        >
          <InfoIcon className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
          {reason}
        </p>
      ) : null}
      <div className="mx-auto flex max-w-3xl items-end gap-2">
        <Textarea
          ref={textareaRef}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          disabled={disabled}
          aria-label={t('composer.label')}
          aria-describedby={reason ? reasonId : undefined}
          placeholder={t('composer.placeholder')}
          rows={1}
          className="max-h-40 min-h-10 resize-none"
        />
        <Button
          type="submit"
          size="icon"
          disabled={disabled || text.trim() === ''}
          aria-label={t('composer.send')}
        >
          <SendHorizontalIcon aria-hidden="true" />
        </Button>
      </div>
    </form>
  );
}
