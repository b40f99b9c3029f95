import * as React from 'react';
import { useQuery } from '@tanstack/react-query';
import { AlertTriangleIcon, ArrowLeftIcon, EyeOffIcon } from 'lucide-react';
import { Link } from 'react-router';

import { Dialog, DialogContent, DialogDescription, DialogTitle } from '@/components/ui/dialog';
import { Button } from '@/components/ui/button';
import { Empty, EmptyDescription, EmptyIcon, EmptyTitle } from '@/components/ui/empty';
import { Skeleton } from '@/components/ui/skeleton';
import { useCurrentUser } from '@/lib/auth';
import { can } from '@/lib/authorization';
import type { ComposerSuggestionsProps } from '@/lib/composer-suggestions';
import { errorMessageKey } from '@/lib/errors';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { useMediaQuery, useNow } from '@/lib/use-now';
import type { Conversation, Ref, TemplateSend } from '@/types/api';

import { conversationQueryOptions } from '../api/get-conversation';
import { useMarkRead } from '../api/mark-read';
import { ACCEPTED_FILES } from '../api/send-media';
import { useSendMessage, useSendTemplate } from '../api/send-message';
import { useAttachment } from '../hooks/use-attachment';
import { composerBlock } from '../utils/conversation-state';
import { AttachmentPreview } from './attachment-preview';
import { Composer } from './composer';
import { ConversationHeader } from './conversation-header';
import { MessageThread } from './message-thread';

export function ConversationView({
  conversationId,
  backHref,
  agents,
  teams,
  renderDetails,
  renderComposerSuggestions,
  renderTemplateAction,
}: {
  conversationId: string;
  backHref: string;
  agents: Ref[];
  teams: Ref[];
  renderDetails: (conversation: Conversation) => React.ReactNode;
  /** A popover over the composer (quick replies), given the conversation it writes to. */
  renderComposerSuggestions?: (
    conversation: Conversation,
    props: ComposerSuggestionsProps,
  ) => React.ReactNode;
  /** Offered while the 24-hour window is closed: sending an approved template. */
  renderTemplateAction?: (
    conversation: Conversation,
    send: (template: TemplateSend) => Promise<unknown>,
  ) => React.ReactNode;
}) {
  const { t } = useI18n();
  const me = useCurrentUser();
  const now = useNow(30_000);
  const query = useQuery(conversationQueryOptions(conversationId));
  const send = useSendMessage(conversationId, me);
  const sendTemplate = useSendTemplate(conversationId);
  const attach = useAttachment(conversationId);
  const { mutate: markRead } = useMarkRead();
  const wide = useMediaQuery('(min-width: 1280px)');
  const [wideDetails, setWideDetails] = React.useState(true);
  const [narrowDetails, setNarrowDetails] = React.useState(false);

  const unread = query.data?.unread_count ?? 0;
  const loaded = query.isSuccess;
  const lastRead = React.useRef<string | null>(null);
  // Opening a conversation reads it; so does a new inbound message while it stays open.
  React.useEffect(() => {
    if (!loaded) return;
    if (lastRead.current !== conversationId || unread > 0) {
      lastRead.current = conversationId;
      markRead(conversationId);
    }
  }, [conversationId, loaded, unread, markRead]);

  if (query.isPending) {
    return (
      <div className="flex flex-1 flex-col">
        <div className="flex items-center gap-3 border-b p-3">
          <Skeleton className="size-9 rounded-full" />
          <Skeleton className="h-4 w-40" />
        </div>
        <div className="flex-1 bg-thread" />
      </div>
    );
  }

  if (query.isError) {
    return (
      <Empty>
        <EmptyIcon>
          <AlertTriangleIcon />
        </EmptyIcon>
        <EmptyTitle>{t(errorMessageKey(query.error))}</EmptyTitle>
      </Empty>
    );
  }

  const conversation = query.data;
  // Someone moved it to a team I am not in while it was open here.
  if (!can(me, 'conversations:see', conversation)) {
    return (
      <Empty data-testid="conversation-moved-away">
        <EmptyIcon>
          <EyeOffIcon />
        </EmptyIcon>
        <EmptyTitle>{t('inbox.movedAway')}</EmptyTitle>
        <EmptyDescription>{t('inbox.movedAwayHint')}</EmptyDescription>
        <Button variant="outline" asChild>
          <Link to={backHref}>
            <ArrowLeftIcon aria-hidden="true" />
            {t('actions.backToList')}
          </Link>
        </Button>
      </Empty>
    );
  }
  const detailsOpen = wide ? wideDetails : narrowDetails;
  const blocked = composerBlock(conversation, now);
  const windowClosed = blocked === 'window-closed' || blocked === 'no-window';

  return (
    <div className="flex min-h-0 min-w-0 flex-1">
      <section
        aria-labelledby="conversation-title"
        className="flex min-h-0 min-w-0 flex-1 flex-col"
        data-testid="conversation-view"
      >
        <ConversationHeader
          conversation={conversation}
          now={now}
          backHref={backHref}
          agents={agents}
          teams={teams}
          detailsOpen={detailsOpen}
          onToggleDetails={() => (wide ? setWideDetails((o) => !o) : setNarrowDetails((o) => !o))}
        />
        <MessageThread conversationId={conversationId} />
        <Composer
          blocked={blocked}
          onSend={(text) => {
            // With a file attached, the text is its caption.
            if (!attach.sendStaged(text) && text) send.mutate(text);
          }}
          onAttach={attach.stage}
          accept={ACCEPTED_FILES}
          attachment={
            attach.uploadingFile ? (
              <AttachmentPreview
                file={attach.uploadingFile}
                progress={attach.progress}
                onCancel={attach.cancel}
              />
            ) : attach.staged ? (
              <AttachmentPreview file={attach.staged} progress={null} onRemove={attach.clear} />
            ) : null
          }
          blockedAction={
            windowClosed && renderTemplateAction
              ? renderTemplateAction(conversation, (template) => sendTemplate.mutateAsync(template))
              : undefined
          }
          renderSuggestions={
            renderComposerSuggestions
              ? (props) => renderComposerSuggestions(conversation, props)
              : undefined
          }
        />
      </section>
      {wide && wideDetails ? (
        <aside
          aria-label={t('actions.details')}
          className="w-80 shrink-0 overflow-y-auto border-l bg-background"
        >
          {renderDetails(conversation)}
        </aside>
      ) : null}
      {!wide ? (
        <Dialog open={narrowDetails} onOpenChange={setNarrowDetails}>
          <DialogContent side="right" closeLabel={t('common.close')} className="p-0">
            <DialogTitle className="sr-only">{t('actions.details')}</DialogTitle>
            <DialogDescription className="sr-only">{t('details.contact')}</DialogDescription>
            {renderDetails(conversation)}
          </DialogContent>
        </Dialog>
      ) : null}
    </div>
  );
}
