import type * as React from 'react';

/**
 * The seam between the message composer (features/inbox) and a suggestion popover written
 * elsewhere (features/quick-replies): the composer owns the textarea and focus; the popover
 * reads the text at the caret, takes the keys it needs, and replaces a range of the text.
 * Routes compose the two, so neither feature imports the other.
 */
export interface ComposerSuggestionsProps {
  /** The whole text of the composer. */
  text: string;
  /** The caret position (selectionStart) in `text`. */
  caret: number;
  /** Replace `text.slice(start, end)` with `value` and put the caret after it. */
  replace: (start: number, end: number, value: string) => void;
  /**
   * Registered while the popover is open (null to unregister): the composer hands it every
   * keydown first and skips its own handling (Enter sends) when it returns true.
   */
  onKeyHandler: (handler: ComposerKeyHandler | null) => void;
  /** ARIA attributes the composer puts on the textarea (listbox id, active option). */
  onTextareaAria: (aria: ComposerTextareaAria) => void;
}

export type ComposerKeyHandler = (event: React.KeyboardEvent<HTMLTextAreaElement>) => boolean;

export interface ComposerTextareaAria {
  'aria-controls'?: string;
  'aria-activedescendant'?: string;
  'aria-autocomplete'?: 'list';
}

export type RenderComposerSuggestions = (props: ComposerSuggestionsProps) => React.ReactNode;
