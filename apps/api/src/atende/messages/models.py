import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from atende.core.db import Base
from atende.core.types import JSONType, UTCDateTime, new_id, utcnow


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageStatus(StrEnum):
    RECEIVED = "received"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    PLAYED = "played"
    FAILED = "failed"


# Statuses only move forward; `failed` sits below `delivered` (a later delivery wins, §5).
STATUS_RANK: dict[str, int] = {
    MessageStatus.RECEIVED: 0,
    MessageStatus.QUEUED: 0,
    MessageStatus.SENT: 1,
    MessageStatus.FAILED: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
    MessageStatus.PLAYED: 4,
}


class MediaStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_thread", "conversation_id", "timestamp", "id"),
        Index("ix_messages_created_direction", "created_at", "direction"),
        # The outbox: queued messages by due time.
        Index(
            "ix_messages_outbox",
            "next_attempt_at",
            postgresql_where=text("status = 'queued'"),
            sqlite_where=text("status = 'queued'"),
        ),
        # Inbound media waiting to be downloaded: the rows are the download jobs' queue.
        Index(
            "ix_messages_media_pending",
            "media_next_attempt_at",
            postgresql_where=text("media_status = 'pending'"),
            sqlite_where=text("media_status = 'pending'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    direction: Mapped[Direction] = mapped_column(String(16))
    wamid: Mapped[str | None] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(32), default="text")
    text: Mapped[str | None] = mapped_column(Text)
    # Inbound: the message object as Meta sent it. Outbound: the Graph request body.
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    reply_to_wamid: Mapped[str | None] = mapped_column(String(255))
    # Customer reactions to this message, {reactor wa_id/BSUID: emoji}.
    reactions: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    # When each reactor last reacted (or un-reacted), {reactor: unix seconds}: a late
    # redelivery of an older reaction must not undo a newer one.
    reactions_at: Mapped[dict[str, int] | None] = mapped_column(JSONType)

    media_id: Mapped[str | None] = mapped_column(String(128))
    media_mime_type: Mapped[str | None] = mapped_column(String(128))
    media_sha256: Mapped[str | None] = mapped_column(String(128))
    media_size: Mapped[int | None] = mapped_column(BigInteger)
    media_filename: Mapped[str | None] = mapped_column(String(255))
    media_status: Mapped[MediaStatus | None] = mapped_column(String(16))
    # The file's key in the media storage (media/storage.py), once stored.
    media_path: Mapped[str | None] = mapped_column(String(512))
    # Download job bookkeeping (media/fetcher.py): a claim bumps the attempts (the fencing
    # token) and moves the next attempt to the end of its lease; NULL means due now.
    media_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    media_next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    media_error: Mapped[str | None] = mapped_column(String(512))

    sender_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Automated sends (templates from integrations, bots) do not count as a first response.
    is_automated: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[MessageStatus] = mapped_column(String(16))
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_title: Mapped[str | None] = mapped_column(String(512))
    error_details: Mapped[str | None] = mapped_column(Text)

    # When the customer (inbound) or Atende (outbound) created the message.
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_read_by_agent: Mapped[bool] = mapped_column(Boolean, default=False)

    # Outbox bookkeeping.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PendingStatus(Base):
    """A status webhook for a wamid not yet stored; applied when the wamid appears."""

    __tablename__ = "pending_statuses"

    wamid: Mapped[str] = mapped_column(String(255), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_title: Mapped[str | None] = mapped_column(String(512))
    error_details: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
