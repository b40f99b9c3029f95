import { ReplyIcon } from 'lucide-react';
import { cva } from 'class-variance-authority';

import { useI18n } from '@/lib/i18n/i18n-provider';
import { cn } from '@/lib/utils';
import type { Message } from '@/types/api';

import { DeliveryTicks } from './delivery-ticks';
import { MessageMedia } from './message-media';

const bubbleVariants = cva(
  'relative max-w-[85%] rounded-lg px-3 py-1.5 text-sm shadow-xs sm:max-w-[70%]',
  {
    variants: {
      direction: {
        inbound: 'self-start rounded-tl-none bg-bubble-inbound text-bubble-inbound-foreground',
        outbound: 'self-end rounded-tr-none bg-bubble-outbound text-bubble-outbound-foreground',
      },
    },
  },
);

// A template's text is its body as the customer read it.
const TEXT_TYPES = new Set(['text', 'button', 'interactive', 'template']);
const MEDIA_TYPES = new Set(['image', 'audio', 'video', 'document', 'sticker']);

function MessageBody({ message }: { message: Message }) {
  const { t } = useI18n();
  const media = message.media;
  if (MEDIA_TYPES.has(message.type)) {
    const caption = media?.caption ?? message.text;
    return (
      <div className="grid gap-1">
        <MessageMedia message={message} />
        {caption ? <p className="break-words whitespace-pre-wrap">{caption}</p> : null}
      </div>
    );
  }
  if (!TEXT_TYPES.has(message.type) || message.text === null) {
    return (
      <p className="italic opacity-80" data-testid="unsupported-message">
        {t('thread.unsupported', { type: message.type })}
      </p>
    );
  }
  return <p className="break-words whitespace-pre-wrap">{message.text}</p>;
}

export function MessageBubble({ message }: { message: Message }) {
  const { t, fmt } = useI18n();
  const at = message.timestamp ?? message.created_at;
  const outbound = message.direction === 'outbound';
  return (
    <div
      data-testid="message"
      data-message-id={message.id}
      data-direction={message.direction}
      data-status={message.status ?? undefined}
      className={bubbleVariants({ direction: message.direction })}
    >
      {message.reply_to ? (
        <blockquote
          aria-label={t('thread.replyTo')}
          className="mb-1 rounded-md border-l-4 border-primary bg-foreground/5 px-2 py-1 text-xs"
        >
          <span className="flex items-center gap-1 font-medium">
            <ReplyIcon className="size-3" aria-hidden="true" />
            {message.reply_to.direction === 'outbound' ? t('thread.you') : t('thread.customer')}
          </span>
          <span className="line-clamp-2 opacity-80">{message.reply_to.text ?? '…'}</span>
        </blockquote>
      ) : null}
      {outbound && message.sender ? (
        <span className="block text-xs font-medium text-primary">{message.sender.name}</span>
      ) : null}
      <MessageBody message={message} />
      <span className={cn('mt-0.5 flex items-center justify-end gap-1 text-[11px] opacity-70')}>
        <time dateTime={at}>{fmt.time(at)}</time>
        {outbound ? <DeliveryTicks status={message.status} error={message.error} /> : null}
      </span>
    </div>
  );
}
