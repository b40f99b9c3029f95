import uuid
from datetime import datetime

from pydantic import Field

from atende.conversations.constants import MAX_REASON_LENGTH
from atende.conversations.schemas import TeamRef
from atende.core.schemas import AppSchema
from atende.messages.schemas import UserRef
from atende.transfers.models import TransferKind


class TransferCreate(AppSchema):
    """A transfer to a user, a team, or a user within a team (at least one target)."""

    to_user_id: uuid.UUID | None = None
    to_team_id: uuid.UUID | None = None
    reason: str | None = Field(default=None, max_length=MAX_REASON_LENGTH)


class TransferRead(AppSchema):
    id: uuid.UUID
    conversation_id: uuid.UUID
    kind: TransferKind
    from_user: UserRef | None
    from_team: TeamRef | None
    to_user: UserRef | None
    to_team: TeamRef | None
    by_user: UserRef | None
    reason: str | None
    created_at: datetime
