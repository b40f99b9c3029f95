import * as React from 'react';

import { useSendMedia } from '../api/send-media';

/**
 * The file the agent attached (picked, dropped or pasted) until it is sent with the text
 * box's content as its caption, and the upload in progress.
 */
export function useAttachment(conversationId: string) {
  const [staged, setStaged] = React.useState<File | null>(null);
  const media = useSendMedia(conversationId);

  // An attachment belongs to the conversation it was made in.
  const [stagedFor, setStagedFor] = React.useState(conversationId);
  if (stagedFor !== conversationId) {
    setStagedFor(conversationId);
    setStaged(null);
  }

  const sendStaged = (caption: string) => {
    if (!staged) return false;
    media.send({ file: staged, caption });
    setStaged(null);
    return true;
  };

  return {
    staged,
    stage: setStaged,
    clear: () => setStaged(null),
    sendStaged,
    uploading: media.uploading,
    uploadingFile: media.file,
    progress: media.progress,
    cancel: media.cancel,
  };
}
