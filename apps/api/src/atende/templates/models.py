import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from atende.core.db import Base
from atende.core.types import JSONType, UTCDateTime, new_id, utcnow


class TemplateStatus(StrEnum):
    """Meta's template statuses, lower-cased (cloud-api.md §9). Only `approved` can be sent."""

    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"
    PAUSED = "paused"
    DISABLED = "disabled"
    IN_APPEAL = "in_appeal"
    LIMIT_EXCEEDED = "limit_exceeded"
    LOCKED = "locked"
    ARCHIVED = "archived"
    PENDING_DELETION = "pending_deletion"
    DELETED = "deleted"


class ParameterFormat(StrEnum):
    POSITIONAL = "positional"  # {{1}}, {{2}}
    NAMED = "named"  # {{first_name}}


class Template(Base):
    """A message template of a WhatsApp Business Account, as last synced or reported.

    Templates belong to the WABA, not to a number: every number of the WABA sends them. A name
    exists once per language, and a send names both.
    """

    __tablename__ = "templates"
    __table_args__ = (
        UniqueConstraint("waba_id", "name", "language"),
        # Status webhooks name the template by Meta's id.
        Index("ix_templates_meta_id", "meta_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    waba_id: Mapped[str] = mapped_column(String(64))
    meta_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    # Why Meta rejected, paused or disabled it (e.g. `INVALID_FORMAT`), when it said.
    status_reason: Mapped[str | None] = mapped_column(String(255))
    parameter_format: Mapped[str] = mapped_column(String(16), default=ParameterFormat.POSITIONAL)
    # Meta's component definitions (HEADER, BODY, FOOTER, BUTTONS) as listed by the Graph API.
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
