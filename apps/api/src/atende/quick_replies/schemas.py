import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from atende.core.schemas import AppSchema
from atende.quick_replies.constants import MAX_TEXT_LENGTH, SHORTCUT_PATTERN


def _fold(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


# Case and surrounding spaces are forgiven; anything else outside the slug alphabet is a 422.
Shortcut = Annotated[str, BeforeValidator(_fold), StringConstraints(pattern=SHORTCUT_PATTERN)]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("text must not be blank")
    return value


# Kept as written (line breaks and spacing are part of the message), but never blank.
ReplyText = Annotated[
    str, Field(min_length=1, max_length=MAX_TEXT_LENGTH), AfterValidator(_not_blank)
]


class TeamRef(AppSchema):
    id: uuid.UUID
    name: str


class OwnerRef(AppSchema):
    id: uuid.UUID
    name: str


class QuickReplyRead(AppSchema):
    id: uuid.UUID
    shortcut: str
    text: str
    # None for a personal reply (only its owner sees it).
    team: TeamRef | None
    # The owner of a personal reply, the creator of a team one.
    owner: OwnerRef
    # Whether the caller may edit or delete it (the server still checks on every write).
    can_edit: bool
    created_at: datetime
    updated_at: datetime


class QuickReplyCreate(AppSchema):
    shortcut: Shortcut
    text: ReplyText
    # None (or left out) makes a personal reply.
    team_id: uuid.UUID | None = None


class QuickReplyUpdate(AppSchema):
    """Shortcut and text; the scope (personal or a team) is fixed when the reply is created."""

    shortcut: Shortcut | None = None
    text: ReplyText | None = None


class RenderRequest(AppSchema):
    conversation_id: uuid.UUID


class RenderedQuickReply(AppSchema):
    text: str
