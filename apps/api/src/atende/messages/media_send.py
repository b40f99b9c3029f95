"""Sending media: an uploaded file as an image, voice note, video, document or sticker.

Like text, a send never calls Meta: it checks the upload against the kind's limits and the
24-hour window, stores the message as `queued` with its Graph body (still without a media
id) and commits. The outbox uploads the file to Meta, adds the id it gets, and sends
(media/outbound.py). The stored copy is the message's file from the start, so the agent's
own bubble shows it at once.
"""

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atende.contacts.models import Contact
from atende.conversations import repository as conversations_repository
from atende.conversations.exceptions import ContactNotFound
from atende.conversations.models import Conversation
from atende.core.db import commit, queue_event, rollback
from atende.core.deps import Principal
from atende.core.exceptions import InvalidInput
from atende.core.types import new_id, utcnow
from atende.media import service as media_service
from atende.media.constants import LIMITS, MediaKind
from atende.media.exceptions import UploadNotFound
from atende.media.models import Upload
from atende.messages.exceptions import NumberInactive
from atende.messages.models import Direction, MediaStatus, Message, MessageStatus
from atende.messages.repository import to_message_read
from atende.messages.schemas import MediaMessageCreate, MessageRead, ReplyRef, UserRef
from atende.messages.service import _check_window, _open_conversation, _reply_target
from atende.numbers.exceptions import NumberNotFound
from atende.numbers.models import Number
from atende.realtime.events import MESSAGE_NEW, conversation_event
from atende.whatsapp import schemas as graph_schemas


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
        raise UploadNotFound(
            "Upload not found",
            fields=[{"loc": ["body", "upload_id"], "msg": "Upload not found", "type": "missing"}],
        )
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


async def _queue_media(
    session: AsyncSession,
    *,
    user: Principal,
    conversation: Conversation,
    number: Number,
    contact: Contact,
    data: MediaMessageCreate,
) -> MessageRead:
    now = utcnow()
    if not number.is_active:
        raise NumberInactive("This number is inactive and cannot send messages")
    upload, kind, caption, filename = await _checked_upload(session, user=user, data=data)
    _check_window(conversation.last_inbound_at, now)
    target = await _reply_target(session, conversation=conversation, reply_to_id=data.reply_to_id)
    message_id = new_id()
    message = Message(
        id=message_id,
        conversation_id=conversation.id,
        direction=Direction.OUTBOUND,
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
        sender_id=user.id,
        is_automated=False,
        status=MessageStatus.QUEUED,
        timestamp=now,
        created_at=now,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(message)
    conversation.last_message_id = message_id
    conversation.last_message_at = now
    if conversation.first_response_at is None:
        conversation.first_response_at = now
    await session.flush()

    read = to_message_read(message).model_copy(
        update={
            "sender": UserRef(id=user.id, name=user.name),
            "reply_to": (
                ReplyRef(
                    id=target.id,
                    wamid=target.wamid or "",
                    text=target.text,
                    direction=target.direction,
                )
                if target
                else None
            ),
        }
    )
    conversation_read = await conversations_repository.load_read(session, conversation.id)
    queue_event(
        session,
        conversation_event(
            MESSAGE_NEW,
            {
                "conversation": conversation_read.model_dump(mode="json")
                if conversation_read
                else None,
                "message": read.model_dump(mode="json"),
            },
            team_id=conversation.team_id,
            assignee_id=conversation.assignee_id,
        ),
    )
    await commit(session)
    return read


async def send_media(
    session: AsyncSession,
    *,
    user: Principal,
    conversation: Conversation,
    data: MediaMessageCreate,
) -> MessageRead:
    """Queues a media reply in a conversation the caller may see (checked by the caller's
    dependency)."""
    number = await session.get(Number, conversation.number_id)
    contact = await session.get(Contact, conversation.contact_id)
    assert number is not None and contact is not None  # foreign keys
    return await _queue_media(
        session, user=user, conversation=conversation, number=number, contact=contact, data=data
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
    for attempt in range(2):
        contact = await session.get(Contact, contact_id)
        if contact is None:
            raise ContactNotFound("Contact not found")
        number = await session.get(Number, number_id)
        if number is None:
            raise NumberNotFound("Number not found")
        try:
            conversation = await _open_conversation(
                session, user=user, number=number, contact=contact
            )
            return await _queue_media(
                session,
                user=user,
                conversation=conversation,
                number=number,
                contact=contact,
                data=data,
            )
        except IntegrityError:
            # Another request opened the pair's conversation first: use that one.
            await rollback(session)
            if attempt:
                raise
    raise AssertionError("unreachable")
