import * as React from 'react';
import { FileIcon, XIcon } from 'lucide-react';

import { Button } from '@/components/ui/button';
import { useI18n } from '@/lib/i18n/i18n-provider';

import { formatBytes } from '../utils/format-bytes';

/** A local URL for an image file's thumbnail; freed once the browser has decoded it. */
function useThumbnail(file: File) {
  return React.useMemo(
    () =>
      file.type.startsWith('image/') && typeof URL.createObjectURL === 'function'
        ? URL.createObjectURL(file)
        : null,
    [file],
  );
}

/** The attached file above the text box: a thumbnail or icon, its name and size, and the
 * upload's progress once sending. */
export function AttachmentPreview({
  file,
  progress,
  onRemove,
  onCancel,
}: {
  file: File;
  /** 0 to 1 while uploading; null before. */
  progress: number | null;
  onRemove?: () => void;
  onCancel?: () => void;
}) {
  const { t, fmt } = useI18n();
  const thumbnail = useThumbnail(file);
  const uploading = progress !== null;
  const percent = Math.round((progress ?? 0) * 100);
  return (
    <div
      data-testid="attachment-preview"
      className="mx-auto mb-2 flex max-w-3xl items-center gap-3 rounded-md border bg-muted/50 p-2"
    >
      {thumbnail ? (
        <img
          src={thumbnail}
          alt=""
          onLoad={() => URL.revokeObjectURL(thumbnail)}
          className="size-10 rounded object-cover"
        />
      ) : (
        <FileIcon className="size-8 shrink-0 text-muted-foreground" aria-hidden="true" />
      )}
      <div className="grid min-w-0 flex-1 gap-1">
        <span className="truncate text-sm font-medium">
          {uploading ? t('media.uploading', { name: file.name }) : file.name}
        </span>
        {uploading ? (
          <div
            role="progressbar"
            aria-label={t('media.uploading', { name: file.name })}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            className="h-1.5 overflow-hidden rounded-full bg-muted"
          >
            <div
              className="h-full bg-primary transition-[width]"
              style={{ width: `${percent}%` }}
            />
          </div>
        ) : (
          <span className="text-xs text-muted-foreground">
            {formatBytes(file.size, fmt.number)}
          </span>
        )}
      </div>
      {uploading ? (
        onCancel ? (
          <Button
            type="button"
            variant="ghost"
            size="icon-sm"
            onClick={onCancel}
            aria-label={t('media.cancelUpload')}
          >
            <XIcon aria-hidden="true" />
          </Button>
        ) : null
      ) : onRemove ? (
        <Button
          type="button"
          variant="ghost"
          size="icon-sm"
          onClick={onRemove}
          aria-label={t('media.remove')}
        >
          <XIcon aria-hidden="true" />
        </Button>
      ) : null}
    </div>
  );
}
