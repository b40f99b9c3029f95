import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from atende.core.db import Base
from atende.core.types import UTCDateTime, new_id, utcnow


class Upload(Base):
    """A file an agent uploaded to attach to messages (checked against Meta's limits)."""

    __tablename__ = "uploads"
    __table_args__ = (
        # The clean-up's queue (media/cleanup.py): uploads no message has taken yet, by age.
        Index(
            "ix_uploads_unattached",
            "created_at",
            postgresql_where=text("attached_at IS NULL"),
            sqlite_where=text("attached_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # Only the uploader may send it; an upload outlives its uploader's account.
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(512))
    mime_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    # Base64, as Meta gives media hashes.
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(255))
    is_animated: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a message first took the file (its stored copy is then the message's file). Until
    # then the upload is a draft, deleted after `upload_retention_hours`.
    attached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
