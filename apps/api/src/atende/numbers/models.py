import uuid
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atende.core.db import Base
from atende.core.types import UTCDateTime, new_id, utcnow


class Number(Base):
    """A WhatsApp business number connected to Atende."""

    __tablename__ = "numbers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    phone_number_id: Mapped[str] = mapped_column(String(64), unique=True)
    display_phone_number: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(120))
    waba_id: Mapped[str | None] = mapped_column(String(64))
    # Fernet ciphertext; never returned by the API nor logged.
    access_token_encrypted: Mapped[str | None] = mapped_column(Text)
    default_team_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL")
    )
    is_simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Messages per second this number may send; None means the configured default.
    send_rate_per_second: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
