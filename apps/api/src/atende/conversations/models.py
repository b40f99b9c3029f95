import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from atende.core.db import Base
from atende.core.types import UTCDateTime, new_id, utcnow


class ConversationStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        # At most one OPEN conversation per (number, contact).
        Index(
            "uq_conversations_open_pair",
            "number_id",
            "contact_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        Index("ix_conversations_activity", "last_message_at", "id"),
        Index("ix_conversations_assignee_activity", "assignee_id", "last_message_at", "id"),
        Index("ix_conversations_team_activity", "team_id", "last_message_at", "id"),
        Index("ix_conversations_status_activity", "status", "last_message_at", "id"),
        Index("ix_conversations_contact", "contact_id", "created_at"),
        # Tabs filtered by status keep the inbox order from the index (and count open rows).
        Index(
            "ix_conversations_status_assignee_activity",
            "status",
            "assignee_id",
            "last_message_at",
            "id",
        ),
        Index(
            "ix_conversations_status_team_activity", "status", "team_id", "last_message_at", "id"
        ),
        # Dashboard: covering on PostgreSQL, so its figures are index-only scans.
        Index(
            "ix_conversations_first_response",
            "first_response_at",
            postgresql_include=["first_inbound_at", "number_id", "team_id"],
        ),
        Index(
            "ix_conversations_resolved", "resolved_at", postgresql_include=["number_id", "team_id"]
        ),
        Index("ix_conversations_backlog", "status", "assignee_id", "first_inbound_at"),
        # The unassigned tab: PostgreSQL does not take `assignee_id IS NULL` as an equality
        # that keeps the order of the index above, so it read and sorted the whole queue.
        Index(
            "ix_conversations_unassigned_activity",
            "status",
            "last_message_at",
            "id",
            postgresql_where=text("assignee_id IS NULL"),
            sqlite_where=text("assignee_id IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    number_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("numbers.id", ondelete="RESTRICT"))
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id", ondelete="RESTRICT"))
    status: Mapped[ConversationStatus] = mapped_column(String(16), default=ConversationStatus.OPEN)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    # Last message shown in the inbox row; no FK to keep the two tables free of a cycle.
    last_message_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # WhatsApp timestamp of the newest inbound message: drives the 24-hour window.
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set once, by the first outbound message an agent sends (first response time).
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
