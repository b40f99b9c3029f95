import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from atende.core.db import Base
from atende.core.types import UTCDateTime, new_id, utcnow


class QuickReply(Base):
    """A canned response: personal (no team, only its owner sees it) or shared with a team."""

    __tablename__ = "quick_replies"
    __table_args__ = (
        # A shortcut names one reply per scope: per owner for personal ones, per team otherwise.
        Index(
            "uq_quick_replies_personal_shortcut",
            "owner_id",
            "shortcut",
            unique=True,
            postgresql_where=text("team_id IS NULL"),
            sqlite_where=text("team_id IS NULL"),
        ),
        Index(
            "uq_quick_replies_team_shortcut",
            "team_id",
            "shortcut",
            unique=True,
            postgresql_where=text("team_id IS NOT NULL"),
            sqlite_where=text("team_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    shortcut: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    # The owner of a personal reply; the creator of a team one. Users are only deactivated.
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
