import re
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ColumnElement, Index, String, func, or_, text
from sqlalchemy.orm import Mapped, mapped_column

from atende.core.db import Base
from atende.core.types import UTCDateTime, new_id, utcnow


class Contact(Base):
    """A customer, known by phone (`wa_id`) and/or business-scoped user id (BSUID)."""

    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint("wa_id IS NOT NULL OR user_id IS NOT NULL", name="has_identity"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # Unique where present: NULLs never collide on PostgreSQL or SQLite.
    wa_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    user_id: Mapped[str | None] = mapped_column(String(160), unique=True)
    name: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def search_matches(q: str) -> ColumnElement[bool]:
    """Contacts whose name or number contains `q`, ignoring case; LIKE wildcards in `q` are
    literal. "+55 (11) 9876" also finds 5511987654321: a query written as a phone number is
    compared digits with digits.

    ILIKE is Unicode-aware on PostgreSQL; on SQLite it is lower() LIKE lower(), and the
    engine registers a Unicode lower() (core.db).
    """
    needle = q.strip()
    matches = [search_text().ilike(f"%{_escape_like(needle)}%", escape="\\")]
    # Only a query written as a phone number: "Ana 2" must not find every number with a 2.
    digits = re.sub(r"\D", "", needle)
    if digits and digits != needle and _PHONE.fullmatch(needle):
        matches.append(search_text().like(f"%{digits}%"))
    return or_(*matches)


_PHONE = re.compile(r"\+?[\d\s().-]+")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_text() -> ColumnElement[str]:
    """Name and number as one string: what the inbox and contact searches match (`ILIKE`).

    A trigram index covers this expression, not the columns themselves: a trigram index on
    `wa_id` also answers `wa_id = …`, and PostgreSQL then picked it over the unique b-tree for
    the webhook's contact lookup, scanning every number that shares digits with the sender's.
    The constants are inlined so that the query's expression is the index's.
    """
    columns, empty = Contact.__table__.c, text("''")
    return (
        func.coalesce(columns.name, empty)
        .concat(text("' '"))
        .concat(func.coalesce(columns.wa_id, empty))
    )


# PostgreSQL only: SQLite has no trigram index, and a plain one cannot serve `LIKE '%…%'`.
Index(
    "ix_contacts_search_trgm",
    search_text().label("search_text"),
    postgresql_using="gin",
    postgresql_ops={"search_text": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")
