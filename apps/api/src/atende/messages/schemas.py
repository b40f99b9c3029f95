import uuid
from datetime import datetime

from atende.core.schemas import AppSchema


class UserRef(AppSchema):
    id: uuid.UUID
    name: str


class MessageError(AppSchema):
    code: int | None
    title: str | None
    details: str | None = None


class MediaRead(AppSchema):
    mime_type: str | None
    size: int | None
    filename: str | None
    caption: str | None
    status: str | None
    url: str | None


class ReplyRef(AppSchema):
    id: uuid.UUID | None
    wamid: str
    text: str | None
    direction: str | None


class MessageRead(AppSchema):
    id: uuid.UUID
    conversation_id: uuid.UUID
    direction: str
    type: str
    text: str | None
    status: str
    wamid: str | None
    sender: UserRef | None
    error: MessageError | None
    media: MediaRead | None = None
    reply_to: ReplyRef | None = None
    reactions: dict[str, str] | None = None
    created_at: datetime
    timestamp: datetime
