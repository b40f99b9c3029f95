import * as React from 'react';
import { useQueryClient } from '@tanstack/react-query';
import {
  AlertCircleIcon,
  DownloadIcon,
  FileTextIcon,
  LoaderCircleIcon,
  MicIcon,
} from 'lucide-react';

import { Dialog, DialogContent, DialogDescription, DialogTitle } from '@/components/ui/dialog';
import { useI18n } from '@/lib/i18n/i18n-provider';
import type { MessageKey } from '@/lib/i18n/messages';
import type { Message, MessageMedia as Media } from '@/types/api';

import { conversationKeys } from '../api/get-conversations';
import { formatBytes } from '../utils/format-bytes';

const KIND_LABELS: Record<string, MessageKey> = {
  image: 'media.image',
  sticker: 'media.sticker',
  audio: 'media.audio',
  video: 'media.video',
  document: 'media.document',
};

/** Seconds since the epoch after which a signed media link stops working. */
function linkExpiry(url: string): number | null {
  const exp = new URL(url, 'http://local').searchParams.get('exp');
  return exp && /^\d+$/.test(exp) ? Number(exp) : null;
}

/**
 * Signed media links live a few minutes: a thread left open longer reloads its messages,
 * which come with fresh links, when a file fails to load past its link's expiry.
 */
function useExpiredLinkRefresh(message: Message) {
  const queryClient = useQueryClient();
  const refreshed = React.useRef<string | null>(null);
  return React.useCallback(() => {
    const url = message.media?.url;
    if (!url || refreshed.current === url) return;
    const exp = linkExpiry(url);
    if (exp === null || exp * 1000 > Date.now()) return;
    refreshed.current = url;
    void queryClient.invalidateQueries({
      queryKey: conversationKeys.messages(message.conversation_id),
    });
  }, [message.media?.url, message.conversation_id, queryClient]);
}

function ImagePreview({
  media,
  alt,
  sticker,
  onBroken,
}: {
  media: Media & { url: string };
  alt: string;
  sticker: boolean;
  onBroken: () => void;
}) {
  const { t } = useI18n();
  const [open, setOpen] = React.useState(false);
  return (
    <>
      <button
        type="button"
        onClick={() => setOpen(true)}
        aria-label={t('media.openImage')}
        className="block overflow-hidden rounded-md focus-visible:ring-[3px] focus-visible:ring-ring/50 focus-visible:outline-none"
      >
        <img
          src={media.url}
          alt={alt}
          loading="lazy"
          onError={onBroken}
          className={
            sticker ? 'size-32 object-contain' : 'max-h-72 w-auto max-w-full object-contain'
          }
        />
      </button>
      <Dialog open={open} onOpenChange={setOpen}>
        <DialogContent
          closeLabel={t('common.close')}
          className="w-auto max-w-[calc(100%-2rem)] items-center bg-background/95 p-3 sm:max-w-[min(90vw,64rem)]"
        >
          <DialogTitle className="sr-only">{alt}</DialogTitle>
          <DialogDescription className="sr-only">{t('media.openImage')}</DialogDescription>
          <img
            src={media.url}
            alt={alt}
            className="max-h-[80dvh] max-w-full rounded-md object-contain"
            data-testid="lightbox-image"
          />
          <a
            href={media.url}
            download={media.filename ?? undefined}
            className="flex items-center gap-1 text-sm text-primary underline-offset-4 hover:underline"
          >
            <DownloadIcon className="size-4" aria-hidden="true" />
            {t('media.download')}
          </a>
        </DialogContent>
      </Dialog>
    </>
  );
}

function DocumentCard({ media, label }: { media: Media & { url: string }; label: string }) {
  const { t, fmt } = useI18n();
  const name = media.filename ?? label;
  const details = [
    media.mime_type.split(';')[0]?.split('/')[1]?.toUpperCase(),
    media.size !== null ? formatBytes(media.size, fmt.number) : null,
  ].filter(Boolean);
  return (
    <a
      href={media.url}
      download={media.filename ?? undefined}
      target="_blank"
      rel="noreferrer"
      data-testid="document-card"
      className="flex min-w-56 items-center gap-3 rounded-md bg-foreground/5 p-2 no-underline hover:bg-foreground/10"
    >
      <FileTextIcon className="size-8 shrink-0 opacity-80" aria-hidden="true" />
      <span className="grid min-w-0 flex-1">
        <span className="truncate font-medium">{name}</span>
        <span className="text-xs opacity-70">{details.join(' · ')}</span>
      </span>
      <DownloadIcon className="size-4 shrink-0 opacity-70" aria-label={t('media.download')} />
    </a>
  );
}

/** The file of an image, sticker, voice note, video or document message, by its state. */
export function MessageMedia({ message }: { message: Message }) {
  const { t } = useI18n();
  const onBroken = useExpiredLinkRefresh(message);
  const media = message.media;
  const label = t(KIND_LABELS[message.type] ?? 'media.document');

  if (!media || media.status === 'pending' || (media.status === 'ready' && !media.url)) {
    return (
      <span role="status" className="flex items-center gap-2 text-sm italic opacity-80">
        <LoaderCircleIcon className="size-4 animate-spin" aria-hidden="true" />
        {t('media.pending')}
      </span>
    );
  }
  if (media.status === 'failed' || !media.url) {
    return (
      <span
        className="flex items-center gap-2 text-sm italic opacity-80"
        title={media.error ?? undefined}
        data-testid="media-failed"
      >
        <AlertCircleIcon className="size-4 shrink-0" aria-hidden="true" />
        {t('media.failed')} ({label.toLowerCase()})
      </span>
    );
  }
  const ready = { ...media, url: media.url };
  switch (message.type) {
    case 'image':
    case 'sticker':
      return (
        <ImagePreview
          media={ready}
          alt={media.caption ?? label}
          sticker={message.type === 'sticker'}
          onBroken={onBroken}
        />
      );
    case 'audio': {
      // WhatsApp records voice notes as Ogg/Opus; other audio is an attached file.
      const voice = media.mime_type.startsWith('audio/ogg');
      const name = voice ? t('media.voiceNote') : (media.filename ?? label);
      return (
        <div className="grid gap-1">
          <span className="flex items-center gap-1 text-xs opacity-70">
            {voice ? <MicIcon className="size-3" aria-hidden="true" /> : null}
            {name}
          </span>
          <audio
            controls
            preload="metadata"
            src={ready.url}
            aria-label={name}
            onError={onBroken}
            className="h-10 w-64 max-w-full"
          />
        </div>
      );
    }
    case 'video':
      return (
        <video
          controls
          preload="metadata"
          src={ready.url}
          aria-label={media.caption ?? label}
          onError={onBroken}
          className="max-h-72 max-w-full rounded-md"
        />
      );
    default:
      return <DocumentCard media={ready} label={label} />;
  }
}
