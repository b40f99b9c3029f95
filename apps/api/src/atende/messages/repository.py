"""Turning message rows into API objects."""

from atende.media import links
from atende.messages.models import MediaStatus, Message
from atende.messages.schemas import MediaRead, MessageError, MessageRead, UserRef
from atende.users.models import User

MEDIA_TYPES = frozenset({"image", "audio", "video", "document", "sticker"})


def to_message_read(message: Message, sender: User | None = None) -> MessageRead:
    error = (
        MessageError(
            code=message.error_code, title=message.error_title, details=message.error_details
        )
        if message.error_code is not None or message.error_title
        else None
    )
    media = None
    if message.type in MEDIA_TYPES or message.media_id:
        caption = message.text if message.type in ("image", "video", "document") else None
        media = MediaRead(
            mime_type=message.media_mime_type,
            size=message.media_size,
            filename=message.media_filename,
            caption=caption,
            status=message.media_status,
            # Built only for readers allowed to see the conversation (REST reads, and
            # events sent to exactly those users); it expires within minutes.
            url=(
                links.signed_url(message.id)
                if message.media_path and message.media_status == MediaStatus.READY
                else None
            ),
            error=message.media_error,
        )
    return MessageRead(
        id=message.id,
        conversation_id=message.conversation_id,
        direction=message.direction,
        type=message.type,
        text=message.text,
        status=message.status,
        wamid=message.wamid,
        sender=UserRef(id=sender.id, name=sender.name) if sender else None,
        error=error,
        media=media,
        reactions=message.reactions or None,
        created_at=message.created_at,
        timestamp=message.timestamp,
    )
