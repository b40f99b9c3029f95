import uuid
from datetime import datetime
from typing import Any

from atende.core.schemas import AppSchema


class TemplateRead(AppSchema):
    id: uuid.UUID
    name: str
    language: str
    category: str | None
    status: str
    status_reason: str | None
    # `positional` ({{1}}) or `named` ({{first_name}}): how a send names its parameters.
    parameter_format: str
    # Meta's definitions (HEADER/BODY/FOOTER/BUTTONS), as the Graph API lists them.
    components: list[dict[str, Any]]
    updated_at: datetime


class TemplateSyncAccepted(AppSchema):
    """The sync runs after the response; the list shows its result once it is done."""

    number_id: uuid.UUID
    waba_id: str
    status: str = "accepted"


class SyncResult(AppSchema):
    waba_id: str
    # Templates Meta listed, and stored ones it no longer lists (marked `deleted`).
    listed: int
    deleted: int
