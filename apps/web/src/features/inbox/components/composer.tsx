import * as React from 'react';
import { InfoIcon, PaperclipIcon, SendHorizontalIcon } from 'lucide-react';

import { Button } from '@/components/ui/button';
import { Textarea } from '@/components/ui/textarea';
import type {
  ComposerKeyHandler,
  ComposerSuggestionsProps,
  ComposerTextareaAria,
  RenderComposerSuggestions,
} from '@/lib/composer-suggestions';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { cn } from '@/lib/utils';

export type ComposerBlock = 'window-closed' | 'no-window' | 'resolved' | null;

function SuggestionsSlot({
  render,
  ...props
}: ComposerSuggestionsProps & { render: RenderComposerSuggestions }) {
  return render(props);
}

/**
 * Enter sends, Shift+Enter inserts a newline. Disabled, with the reason shown, when a free
 * text reply is not allowed (24-hour window closed or never opened, conversation resolved).
 * `renderSuggestions` draws a popover above the box (quick replies) that may take keys first.
 */
export function Composer({
  onSend,
  blocked,
  renderSuggestions,
  blockedAction,
  onAttach,
  attachment,
  accept,
}: {
  onSend: (text: string) => void;
  blocked: ComposerBlock;
  renderSuggestions?: RenderComposerSuggestions;
  /** What the agent can do instead while blocked (send a template when the window is closed). */
  blockedAction?: React.ReactNode;
  /** A file picked, dropped on the composer or pasted into the text box. */
  onAttach?: (file: File) => void;
  /** The attached file's preview; while there is one, the text is its caption. */
  attachment?: React.ReactNode;
  /** The file input's `accept` list. */
  accept?: string;
}) {
  const { t } = useI18n();
  const [text, setText] = React.useState('');
  const textareaRef = React.useRef<HTMLTextAreaElement>(null);
  const reasonId = React.useId();
  const disabled = blocked !== null;
  const [caret, setCaret] = React.useState(0);
  const suggestionKeys = React.useRef<ComposerKeyHandler | null>(null);
  const [suggestionAria, setSuggestionAria] = React.useState<ComposerTextareaAria>({});
  const pendingCaret = React.useRef<number | null>(null);
  const fileInputRef = React.useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = React.useState(false);
  const hasAttachment = Boolean(attachment);
  const canAttach = Boolean(onAttach) && !disabled;
  const setSuggestionKeys = React.useCallback((handler: ComposerKeyHandler | null) => {
    suggestionKeys.current = handler;
  }, []);

  const replace = React.useCallback((start: number, end: number, value: string) => {
    setText((current) => current.slice(0, start) + value + current.slice(end));
    pendingCaret.current = start + value.length;
    setCaret(start + value.length);
  }, []);

  // After a suggestion replaced part of the text, put the caret at the end of the insert.
  React.useLayoutEffect(() => {
    const box = textareaRef.current;
    if (pendingCaret.current === null || !box) return;
    box.setSelectionRange(pendingCaret.current, pendingCaret.current);
    box.focus();
    pendingCaret.current = null;
  }, [text]);

  const send = () => {
    const value = text.trim();
    if ((!value && !hasAttachment) || disabled) return;
    onSend(value);
    setText('');
    textareaRef.current?.focus();
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (suggestionKeys.current?.(event)) return;
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

  const hasFiles = (event: React.DragEvent) => event.dataTransfer.types.includes('Files');

  return (
    <form
      className={cn(
        'border-t bg-background p-2 sm:p-3',
        dragging && 'bg-accent outline-2 -outline-offset-4 outline-primary outline-dashed',
      )}
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
      onDragOver={(e) => {
        if (!canAttach || !hasFiles(e)) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        setDragging(false);
        const file = e.dataTransfer.files[0];
        if (!canAttach || !file) return;
        e.preventDefault();
        onAttach?.(file);
      }}
    >
      {dragging ? (
        <p className="sr-only" role="status">
          {t('media.dropHere')}
        </p>
      ) : null}
      {!disabled ? attachment : null}
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
      {reason && blockedAction ? (
        <div className="mb-2 flex justify-end">{blockedAction}</div>
      ) : null}
      <div className="relative mx-auto flex max-w-3xl items-end gap-2">
        {renderSuggestions && !disabled ? (
          <SuggestionsSlot
            render={renderSuggestions}
            text={text}
            caret={caret}
            replace={replace}
            onKeyHandler={setSuggestionKeys}
            onTextareaAria={setSuggestionAria}
          />
        ) : null}
        {onAttach ? (
          <>
            <input
              ref={fileInputRef}
              type="file"
              accept={accept}
              className="hidden"
              data-testid="attach-input"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) onAttach(file);
                e.target.value = '';
              }}
            />
            <Button
              type="button"
              size="icon"
              variant="ghost"
              disabled={disabled}
              aria-label={t('media.attach')}
              onClick={() => fileInputRef.current?.click()}
            >
              <PaperclipIcon aria-hidden="true" />
            </Button>
          </>
        ) : null}
        <Textarea
          ref={textareaRef}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setCaret(e.target.selectionStart);
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
          onPaste={(e) => {
            const file = e.clipboardData.files[0];
            if (!canAttach || !file) return;
            e.preventDefault();
            onAttach?.(file);
          }}
          {...suggestionAria}
          disabled={disabled}
          aria-label={t('composer.label')}
          aria-describedby={reason ? reasonId : undefined}
          placeholder={hasAttachment ? t('media.captionPlaceholder') : t('composer.placeholder')}
          rows={1}
          className="max-h-40 min-h-10 resize-none"
        />
        <Button
          type="submit"
          size="icon"
          disabled={disabled || (text.trim() === '' && !hasAttachment)}
          aria-label={t('composer.send')}
        >
          <SendHorizontalIcon aria-hidden="true" />
        </Button>
      </div>
    </form>
  );
}
