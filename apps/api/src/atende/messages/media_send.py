"""Sending media: an uploaded file as an image, voice note, video, document or sticker.

Like text, a send never calls Meta: it checks the upload against the kind's limits and the
24-hour window, stores the message as `queued` with its Graph body (still without a media
id) and commits. The outbox uploads the file to Meta, adds the id it gets, and sends
(media/outbound.py). The stored copy is the message's file from the start, so the agent's
own bubble shows it at once.
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from atende.contacts.models import Contact
from atende.conversations.models import Conversation
from atende.core.deps import Principal
from atende.core.exceptions import InvalidInput
from atende.core.types import new_id, utcnow
from atende.media import service as media_service
from atende.media.constants import LIMITS, MediaKind
from atende.media.exceptions import UploadNotFound
from atende.media.models import Upload
from atende.messages import outbound
from atende.messages.models import MediaStatus, Message
from atende.messages.schemas import MediaMessageCreate, MessageRead
from atende.numbers.models import Number
from atende.whatsapp import schemas as graph_schemas


def _upload_not_found() -> UploadNotFound:
    return UploadNotFound(
        "Upload not found",
        fields=[{"loc": ["body", "upload_id"], "msg": "Upload not found", "type": "missing"}],
    )


def _field_error(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        message, fields=[{"loc": ["body", field], "msg": message, "type": "value_error"}]
    )


async def _checked_upload(
    session: AsyncSession, *, user: Principal, data: MediaMessageCreate
) -> tuple[Upload, MediaKind, str | None, str | None]:
    """The upload (the caller's own), checked for the kind: (upload, kind, caption,
    filename)."""
    upload = await session.get(Upload, data.upload_id)
    if upload is None or upload.user_id != user.id:
        raise _upload_not_found()
    kind = MediaKind(data.type)
    caption = (data.caption or "").strip() or None
    if caption and not LIMITS[kind].takes_caption:
        raise _field_error("caption", f"A {kind.value} message has no caption")
    if data.filename and kind != MediaKind.DOCUMENT:
        raise _field_error("filename", "Only a document has a file name")
    media_service.check_kind(upload, kind)
    filename = None
    if kind == MediaKind.DOCUMENT:
        filename = media_service.clean_filename(data.filename) or upload.filename or "document"
    return upload, kind, caption, filename


async def send_media(
    session: AsyncSession,
    *,
    user: Principal,
    conversation: Conversation,
    data: MediaMessageCreate,
) -> MessageRead:
    """Queues a media reply in a conversation the caller may see (checked by the caller's
    dependency, or by `open_conversation`)."""
    number = await session.get(Number, conversation.number_id)
    contact = await session.get(Contact, conversation.contact_id)
    assert number is not None and contact is not None  # foreign keys
    now = utcnow()
    outbound.check_active(number)
    upload, kind, caption, filename = await _checked_upload(session, user=user, data=data)
    outbound.check_service_window(conversation.last_inbound_at, now)
    target = await outbound.reply_target(
        session, conversation=conversation, reply_to_id=data.reply_to_id
    )
    # The file becomes the message's: from now on the unsent-uploads clean-up keeps it.
    if not await media_service.mark_attached(session, upload_id=upload.id, at=now):
        raise _upload_not_found()
    message_id = new_id()
    message = Message(
        id=message_id,
        type=kind.value,
        text=caption,
        payload=graph_schemas.media_message_body(
            wa_id=contact.wa_id,
            user_id=contact.user_id,
            kind=kind.value,
            caption=caption,
            filename=filename,
            reply_to_wamid=target.wamid if target else None,
            callback_data=str(message_id),
        ),
        reply_to_wamid=target.wamid if target else None,
        media_mime_type=upload.mime_type,
        media_sha256=upload.sha256,
        media_size=upload.size,
        media_filename=filename or upload.filename,
        media_status=MediaStatus.READY,
        media_path=upload.storage_key,
    )
    return await outbound.queue_outbound(
        session, user=user, conversation=conversation, message=message, now=now, reply_to=target
    )


async def send_media_to_contact(
    session: AsyncSession,
    *,
    user: Principal,
    contact_id: uuid.UUID,
    number_id: uuid.UUID,
    data: MediaMessageCreate,
) -> MessageRead:
    """Media to a contact through a number, in the pair's open conversation or a new one
    (the 24-hour window applies, as for text)."""

    async def send() -> MessageRead:
        conversation = await outbound.open_pair_conversation(
            session, user=user, contact_id=contact_id, number_id=number_id
        )
        return await send_media(session, user=user, conversation=conversation, data=data)

    return await outbound.retry_on_conflict(session, send)
