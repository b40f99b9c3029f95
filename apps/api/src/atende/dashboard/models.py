"""Message volume per 15-minute UTC slot, a cache of `messages` for the dashboard.

Slot n covers [n * 900 s, (n + 1) * 900 s) since the Unix epoch. A slot is tallied once,
by the first dashboard that needs it after it has settled, into `message_volume` rows
(one per number, team and direction); `volume_slots` records which slots are tallied.
A trigger on `messages` (see the migration) drops the tally of any slot that receives a
row later (imports, backdated inserts), so the cache never disagrees with `messages`.
"""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from atende.core.db import Base
from atende.core.types import UTCDateTime, utcnow

SLOT_SECONDS = 15 * 60


class VolumeSlot(Base):
    __tablename__ = "volume_slots"

    slot: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessageVolume(Base):
    __tablename__ = "message_volume"
    __table_args__ = (Index("ix_message_volume_slot", "slot", "direction"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    slot: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("volume_slots.slot", ondelete="CASCADE")
    )
    number_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("numbers.id", ondelete="CASCADE"))
    # The conversation's team when the slot was tallied.
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    direction: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer)
