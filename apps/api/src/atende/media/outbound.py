"""The outbox's media step: a media message is sent by id, so its file goes to Meta first.

The upload runs outside any transaction, like every Graph call; the media id it returns is
saved at once (fenced by the claim's attempt number), so a retried send reuses it instead of
uploading again (Meta keeps uploads 30 days).
"""

import uuid

from sqlalchemy import select, update

from atende.core.db import Database, commit
from atende.media.storage import MediaStorage, StorageError
from atende.messages.models import Message, MessageStatus
from atende.whatsapp.client import GraphClient
from atende.whatsapp.exceptions import WhatsAppError
from atende.whatsapp.schemas import GraphBody, media_awaiting_upload, with_media_id


def needs_upload(body: GraphBody | None) -> bool:
    return media_awaiting_upload(body) is not None


async def attach_media(
    db: Database,
    graph: GraphClient,
    storage: MediaStorage,
    *,
    message_id: uuid.UUID,
    attempts: int,
    body: GraphBody,
    phone_number_id: str,
    token: str,
    base_url: str,
) -> GraphBody | None:
    """The body with its media id; None when the claim was lost meanwhile (send nothing)."""
    async with db.session() as session:
        row = (
            await session.execute(
                select(
                    Message.media_id,
                    Message.media_path,
                    Message.media_mime_type,
                    Message.media_filename,
                    Message.type,
                ).where(Message.id == message_id)
            )
        ).one_or_none()
    if row is None:
        return None
    media_id, key, mime_type, filename, kind = row
    if media_id:
        return with_media_id(body, media_id)
    if not key or not mime_type:
        raise WhatsAppError("The message's file is missing")
    try:
        async with storage.local_copy(key) as path:
            media_id = await graph.upload_media(
                phone_number_id,
                token,
                path,
                mime_type=mime_type,
                filename=filename or kind,
                base_url=base_url,
            )
    except StorageError as e:
        raise WhatsAppError(f"The attached file could not be read ({e})", retryable=True) from e
    completed = with_media_id(body, media_id)
    async with db.session() as session:
        result = await session.execute(
            update(Message)
            .where(
                Message.id == message_id,
                Message.attempts == attempts,
                Message.status == MessageStatus.QUEUED.value,
            )
            .values(media_id=media_id, payload=completed)
            .execution_options(synchronize_session=False)
        )
        await commit(session)
    return completed if getattr(result, "rowcount", 0) else None
