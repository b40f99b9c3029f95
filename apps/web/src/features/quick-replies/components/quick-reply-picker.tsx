import * as React from 'react';
import { useQuery } from '@tanstack/react-query';
import { MessageSquareTextIcon } from 'lucide-react';

import { Badge } from '@/components/ui/badge';
import type { ComposerSuggestionsProps } from '@/lib/composer-suggestions';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { cn } from '@/lib/utils';
import type { QuickReply } from '@/types/api';

import { quickRepliesQueryOptions } from '../api/quick-replies';
import { matchQuickReplies } from '../utils/match-quick-replies';
import { renderQuickReply, type QuickReplyValues } from '../utils/render-quick-reply';
import { findSlashQuery } from '../utils/slash-query';

/**
 * Typing "/" at the start of the composer or after a space lists the matching quick replies
 * above it. Focus stays in the textarea: ↑/↓ move, Enter or Tab pick, Esc closes. Picking
 * replaces the "/query" with the reply's text, its variables filled for this conversation.
 */
export function QuickReplyPicker({
  text,
  caret,
  replace,
  onKeyHandler,
  onTextareaAria,
  values,
}: ComposerSuggestionsProps & { values: QuickReplyValues }) {
  const { t } = useI18n();
  const listboxId = React.useId();
  const slash = findSlashQuery(text, caret);
  const query = slash?.query ?? '';

  // Esc closes the picker for this "/" until it is removed; a new query starts at the top.
  const [dismissedAt, setDismissedAt] = React.useState<number | null>(null);
  const [active, setActive] = React.useState(0);
  const [lastQuery, setLastQuery] = React.useState(query);
  if (slash === null && dismissedAt !== null) setDismissedAt(null);
  if (query !== lastQuery) {
    setLastQuery(query);
    setActive(0);
  }

  const open = slash !== null && dismissedAt !== slash.start;
  const replies = useQuery({ ...quickRepliesQueryOptions(query), enabled: open });
  const matches = React.useMemo(
    () => matchQuickReplies(replies.data?.items ?? [], query),
    [replies.data, query],
  );
  const activeIndex = Math.min(active, Math.max(matches.length - 1, 0));
  const optionId = (index: number) => `${listboxId}-option-${index}`;

  const pick = React.useCallback(
    (reply: QuickReply) => {
      if (!slash) return;
      replace(slash.start, slash.end, renderQuickReply(reply.text, values));
    },
    [slash, replace, values],
  );

  React.useLayoutEffect(() => {
    if (!open || !slash) return;
    const start = slash.start;
    onKeyHandler((event) => {
      if (event.nativeEvent.isComposing) return false;
      const count = matches.length;
      switch (event.key) {
        case 'ArrowDown':
        case 'ArrowUp':
          if (count === 0) return false;
          event.preventDefault();
          setActive((activeIndex + (event.key === 'ArrowDown' ? 1 : count - 1)) % count);
          return true;
        case 'Enter':
        case 'Tab': {
          const reply = matches[activeIndex];
          if (event.shiftKey || !reply) return false;
          event.preventDefault();
          pick(reply);
          return true;
        }
        case 'Escape':
          event.preventDefault();
          setDismissedAt(start);
          return true;
        default:
          return false;
      }
    });
    return () => onKeyHandler(null);
  }, [open, matches, activeIndex, pick, slash, onKeyHandler]);

  const activeOption = open && matches.length > 0 ? optionId(activeIndex) : undefined;
  React.useEffect(() => {
    onTextareaAria(
      open
        ? {
            'aria-controls': listboxId,
            'aria-activedescendant': activeOption,
            'aria-autocomplete': 'list',
          }
        : {},
    );
  }, [open, listboxId, activeOption, onTextareaAria]);
  React.useEffect(() => () => onTextareaAria({}), [onTextareaAria]);

  React.useEffect(() => {
    if (activeOption) document.getElementById(activeOption)?.scrollIntoView?.({ block: 'nearest' });
  }, [activeOption]);

  if (!open) return null;

  return (
    <div
      data-testid="quick-reply-picker"
      className="absolute inset-x-0 bottom-full z-20 mb-2 overflow-hidden rounded-md border bg-popover text-popover-foreground shadow-md"
      // Keep the focus (and the caret) in the textarea while clicking an option.
      onMouseDown={(event) => event.preventDefault()}
    >
      <p className="flex items-center gap-2 border-b px-3 py-1.5 text-xs text-muted-foreground">
        <MessageSquareTextIcon className="size-3.5" aria-hidden="true" />
        {t('quickReplies.pickerHint')}
      </p>
      {matches.length > 0 ? (
        <div
          id={listboxId}
          role="listbox"
          aria-label={t('quickReplies.title')}
          className="max-h-64 overflow-y-auto p-1"
        >
          {matches.map((reply, index) => (
            <div
              key={reply.id}
              id={optionId(index)}
              role="option"
              aria-selected={index === activeIndex}
              className={cn(
                'grid cursor-pointer gap-0.5 rounded-sm px-2 py-1.5 text-sm',
                index === activeIndex && 'bg-accent text-accent-foreground',
              )}
              onMouseEnter={() => setActive(index)}
              onClick={() => pick(reply)}
            >
              <span className="flex items-center gap-2">
                <span className="font-mono font-medium" data-testid="quick-reply-shortcut">
                  /{reply.shortcut}
                </span>
                <Badge variant={reply.team ? 'secondary' : 'muted'}>
                  {reply.team ? reply.team.name : t('quickReplies.personal')}
                </Badge>
              </span>
              <span className="line-clamp-2 text-xs whitespace-pre-line text-muted-foreground">
                {renderQuickReply(reply.text, values)}
              </span>
            </div>
          ))}
        </div>
      ) : (
        <p role="status" className="px-3 py-2 text-sm text-muted-foreground">
          {replies.isPending
            ? t('common.loading')
            : replies.isError
              ? t('errors.loadFailed')
              : t('quickReplies.noMatch', { query })}
        </p>
      )}
    </div>
  );
}
