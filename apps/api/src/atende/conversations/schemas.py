import uuid
from datetime import datetime

from atende.conversations.models import ConversationStatus
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


class ConversationCounts(AppSchema):
    """Open conversations per inbox tab; `all` only for ADMIN/SUPERVISOR."""

    mine: int
    team: int
    unassigned: int
    all: int | None = None


class AssignRequest(AppSchema):
    """Assign, take (assignee_id = self) or unassign (assignee_id = null); a key left out keeps
    its current value."""

    assignee_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None


class ConversationFilters(AppSchema):
    status: ConversationStatus | None = None
    number_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    q: str | None = None
