import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atende.core.db import Base
from atende.core.types import UTCDateTime, new_id, utcnow


class TransferKind(StrEnum):
    ASSIGN = "assign"
    TAKE = "take"
    UNASSIGN = "unassign"
    TRANSFER = "transfer"


class Transfer(Base):
    """Immutable audit record of one assignment change."""

    __tablename__ = "transfers"
    __table_args__ = (Index("ix_transfers_conversation", "conversation_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    kind: Mapped[TransferKind] = mapped_column(String(16))
    from_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    from_team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    to_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    to_team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    by_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
