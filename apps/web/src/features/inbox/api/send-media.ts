import * as React from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import { errorMessageKey } from '@/lib/errors';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { toast } from '@/lib/toast';
import type { MediaKind, MediaSend, MediaUpload, Message } from '@/types/api';

import { appendMessage, type MessagePages } from '../hooks/inbox-cache';
import { conversationKeys } from './get-conversations';
import { sendText } from './send-message';

/** What WhatsApp takes (cloud-api.md §8); the server checks again, by the file's bytes. */
export const ACCEPTED_FILES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'audio/aac',
  'audio/amr',
  'audio/mpeg',
  'audio/mp4',
  'audio/ogg',
  'video/mp4',
  'video/3gpp',
  'application/pdf',
  'text/plain',
  '.doc',
  '.docx',
  '.xls',
  '.xlsx',
  '.ppt',
  '.pptx',
].join(',');

const CAPTIONED = new Set<MediaKind>(['image', 'video', 'document']);

/** The kind a file is sent as, from the type the server found in its bytes. */
export function mediaKindFor(mimeType: string): MediaKind {
  const base = mimeType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (base === 'image/webp') return 'sticker';
  if (base.startsWith('image/')) return 'image';
  if (base.startsWith('audio/')) return 'audio';
  if (base.startsWith('video/')) return 'video';
  return 'document';
}

export function uploadMedia(
  file: File,
  options: { onProgress?: (fraction: number) => void; signal?: AbortSignal } = {},
) {
  return api.upload<MediaUpload>('/api/uploads', file, { filename: file.name, ...options });
}

export function sendMedia(conversationId: string, body: MediaSend) {
  return api.post<Message>(`/api/conversations/${conversationId}/messages`, body);
}

export interface SendMediaInput {
  file: File;
  caption: string;
}

/**
 * Uploads a file (with progress), then sends it as the kind its type allows; the queued
 * message joins the thread at once. A caption on a voice note or sticker, which WhatsApp
 * cannot carry, follows as a text.
 */
export function useSendMedia(conversationId: string) {
  const queryClient = useQueryClient();
  const { t } = useI18n();
  const key = conversationKeys.messages(conversationId);
  const [progress, setProgress] = React.useState<number | null>(null);
  const controller = React.useRef<AbortController | null>(null);
  const append = (message: Message) =>
    queryClient.setQueryData<MessagePages>(key, (data) =>
      appendMessage(data ?? { pages: [], pageParams: [] }, message),
    );

  const mutation = useMutation({
    mutationFn: async ({ file, caption }: SendMediaInput) => {
      controller.current = new AbortController();
      setProgress(0);
      const upload = await uploadMedia(file, {
        onProgress: setProgress,
        signal: controller.current.signal,
      });
      const type = mediaKindFor(upload.mime_type);
      const text = caption.trim();
      const message = await sendMedia(conversationId, {
        type,
        upload_id: upload.id,
        ...(text && CAPTIONED.has(type) ? { caption: text } : {}),
      });
      append(message);
      if (text && !CAPTIONED.has(type)) append(await sendText(conversationId, text));
      return message;
    },
    onError: (error) => {
      // A cancelled upload is the agent's choice, not a failure to report.
      if (error instanceof DOMException && error.name === 'AbortError') return;
      toast({ title: t(errorMessageKey(error)), variant: 'destructive' });
    },
    onSettled: () => {
      controller.current = null;
      setProgress(null);
    },
    meta: { silent: true },
  });

  const cancel = React.useCallback(() => controller.current?.abort(), []);
  return {
    send: mutation.mutate,
    cancel,
    progress,
    uploading: mutation.isPending,
    file: mutation.isPending ? (mutation.variables?.file ?? null) : null,
  };
}
