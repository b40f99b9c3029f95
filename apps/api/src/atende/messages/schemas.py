import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from atende.contacts.schemas import Phone
from atende.core.schemas import AppSchema
from atende.whatsapp.templates import TemplateObject


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
    # Why the file could not be fetched from Meta (status `failed`).
    error: str | None = None


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


# Meta's limit for a text message body (cloud-api.md §6.1).
MAX_TEXT_LENGTH = 4096


class TextMessageCreate(AppSchema):
    type: Literal["text"] = "text"
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    # Quote one of the conversation's messages (sent as Meta's `context.message_id`).
    reply_to_id: uuid.UUID | None = None

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be blank")
        return value


class ContactMessageCreate(TextMessageCreate):
    """A message to a contact through a number: reuses their open conversation or opens one."""

    contact_id: uuid.UUID
    number_id: uuid.UUID


class TemplateMessageCreate(AppSchema):
    """An approved template with its parameters, in Meta's send shape (cloud-api.md §6.1);
    allowed outside the 24-hour window."""

    type: Literal["template"]
    template: TemplateObject


class ContactTemplateMessageCreate(TemplateMessageCreate):
    """A template to a contact, or to a phone number (found or created as a contact): how
    a conversation is started."""

    contact_id: uuid.UUID | None = None
    phone: Phone | None = None
    number_id: uuid.UUID

    @model_validator(mode="after")
    def _one_recipient(self) -> Self:
        if (self.contact_id is None) == (self.phone is None):
            raise ValueError("give exactly one of contact_id and phone")
        return self


class MediaMessageCreate(AppSchema):
    """A file uploaded with `POST /api/uploads`, sent as one of Meta's media kinds."""

    type: Literal["image", "audio", "video", "document", "sticker"]
    upload_id: uuid.UUID
    # Image, video and document only (Meta's limit: 1024 characters).
    caption: str | None = Field(default=None, max_length=1024)
    # Document only; defaults to the uploaded file's name.
    filename: str | None = Field(default=None, min_length=1, max_length=255)
    reply_to_id: uuid.UUID | None = None


class ContactMediaMessageCreate(MediaMessageCreate):
    contact_id: uuid.UUID
    number_id: uuid.UUID


MEDIA_MESSAGE_TYPES = frozenset({"image", "audio", "video", "document", "sticker"})


def _message_kind(value: Any) -> str | None:
    """The body's `type`; text when absent (the first clients sent text without one)."""
    kind = value.get("type", "text") if isinstance(value, dict) else getattr(value, "type", None)
    if kind in MEDIA_MESSAGE_TYPES:
        return "media"
    return kind if isinstance(kind, str) else None


MessageCreate = Annotated[
    Annotated[TextMessageCreate, Tag("text")]
    | Annotated[TemplateMessageCreate, Tag("template")]
    | Annotated[MediaMessageCreate, Tag("media")],
    Discriminator(_message_kind),
]
ContactMessageBody = Annotated[
    Annotated[ContactMessageCreate, Tag("text")]
    | Annotated[ContactTemplateMessageCreate, Tag("template")]
    | Annotated[ContactMediaMessageCreate, Tag("media")],
    Discriminator(_message_kind),
]
