import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from atende.core.db import Base
from atende.core.types import UTCDateTime, new_id, utcnow


class Contact(Base):
    """A customer, known by phone (`wa_id`) and/or business-scoped user id (BSUID)."""

    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint("wa_id IS NOT NULL OR user_id IS NOT NULL", name="has_identity"),
        # The inbox search matches any part of a name or number (`ILIKE '%…%'`): trigram
        # indexes on PostgreSQL; plain ones on SQLite, which cannot use them for that.
        Index(
            "ix_contacts_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ),
        Index(
            "ix_contacts_wa_id_trgm",
            "wa_id",
            postgresql_using="gin",
            postgresql_ops={"wa_id": "gin_trgm_ops"},
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # Unique where present: NULLs never collide on PostgreSQL or SQLite.
    wa_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    user_id: Mapped[str | None] = mapped_column(String(160), unique=True)
    name: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
