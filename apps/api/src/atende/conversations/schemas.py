import uuid
from datetime import datetime

from atende.core.schemas import AppSchema
from atende.messages.schemas import MessageRead, UserRef


class NumberRef(AppSchema):
    id: uuid.UUID
    label: str
    display_phone_number: str


class ContactRef(AppSchema):
    id: uuid.UUID
    name: str | None
    wa_id: str | None
    user_id: str | None


class TeamRef(AppSchema):
    id: uuid.UUID
    name: str


class ConversationRead(AppSchema):
    id: uuid.UUID
    status: str
    number: NumberRef
    contact: ContactRef
    assignee: UserRef | None
    team: TeamRef | None
    last_message: MessageRead | None
    last_message_at: datetime
    last_inbound_at: datetime | None
    unread_count: int
    window_expires_at: datetime | None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    created_at: datetime
