"""Templates: the stored copy of each WABA's templates, its status updates, and the check
that a send names an approved template with fitting parameters."""

import logging
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from atende.core.pagination import PageParams, paginate
from atende.core.schemas import Page
from atende.core.types import utcnow
from atende.numbers import service as numbers_service
from atende.numbers.models import Number
from atende.templates.exceptions import TemplateNotApproved
from atende.templates.models import Template, TemplateStatus
from atende.templates.rendering import StoredTemplate, check_and_render, parameter_format
from atende.templates.schemas import SyncResult, TemplateRead
from atende.whatsapp.templates import GraphTemplate, TemplateObject, TemplateStatusUpdate

logger = logging.getLogger(__name__)

# Simulated numbers often have no WABA id (the seeded one has none): they share this one,
# and the simulator answers the same templates for any WABA.
SIMULATED_WABA_ID = "simulated"

# message_template_status_update `event` → the stored status. Events missing here say
# nothing certain about sendability (FLAGGED keeps the template approved; UNARCHIVED returns
# it to a status the event doesn't name): the row is left as it is until the next sync.
STATUS_EVENTS: dict[str, TemplateStatus] = {
    "APPROVED": TemplateStatus.APPROVED,
    "REINSTATED": TemplateStatus.APPROVED,
    "PENDING": TemplateStatus.PENDING,
    "REJECTED": TemplateStatus.REJECTED,
    "PAUSED": TemplateStatus.PAUSED,
    "DISABLED": TemplateStatus.DISABLED,
    "IN_APPEAL": TemplateStatus.IN_APPEAL,
    "LIMIT_EXCEEDED": TemplateStatus.LIMIT_EXCEEDED,
    "LOCKED": TemplateStatus.LOCKED,
    "ARCHIVED": TemplateStatus.ARCHIVED,
    "PENDING_DELETION": TemplateStatus.PENDING_DELETION,
    "DELETED": TemplateStatus.DELETED,
}


def waba_id_of(number: Number) -> str | None:
    return number.waba_id or (SIMULATED_WABA_ID if number.is_simulated else None)


def _read(template: Template) -> TemplateRead:
    return TemplateRead.model_validate(template)


async def list_templates(
    session: AsyncSession,
    *,
    number_id: uuid.UUID,
    page: PageParams,
    status: TemplateStatus | None = None,
    q: str | None = None,
) -> Page[TemplateRead]:
    """The templates the number can name (its WABA's), by name and language."""
    number = await numbers_service.get_or_raise(session, number_id)
    waba_id = waba_id_of(number)
    if waba_id is None:
        return Page[TemplateRead](items=[])
    stmt = select(Template).where(Template.waba_id == waba_id)
    if status is not None:
        stmt = stmt.where(Template.status == status)
    if q and q.strip():
        stmt = stmt.where(func.lower(Template.name).contains(q.strip().lower(), autoescape=True))
    templates, next_cursor = await paginate(
        session, stmt, keys=(Template.name, Template.language, Template.id), page=page
    )
    return Page[TemplateRead](items=[_read(t) for t in templates], next_cursor=next_cursor)


def _status_of(listed: GraphTemplate) -> str:
    return listed.status.strip().lower()[:32]


async def store_synced(
    session: AsyncSession, *, waba_id: str, listed: Sequence[GraphTemplate]
) -> SyncResult:
    """Makes the stored templates of `waba_id` match Meta's complete list: new ones added,
    changed ones updated, and ones Meta no longer lists marked `deleted`. Flushes only."""
    stored = {
        (t.name, t.language): t
        for t in await session.scalars(select(Template).where(Template.waba_id == waba_id))
    }
    seen: set[tuple[str, str]] = set()
    for item in listed:
        key = (item.name[:512], item.language[:20])
        if key in seen:
            continue
        seen.add(key)
        values = {
            "meta_id": item.id[:64],
            "category": item.category.lower()[:32] if item.category else None,
            "status": _status_of(item),
            "parameter_format": parameter_format(item.parameter_format, item.components),
            "components": item.components,
        }
        template = stored.get(key)
        if template is None:
            session.add(Template(waba_id=waba_id, name=key[0], language=key[1], **values))
            continue
        changed = {k: v for k, v in values.items() if getattr(template, k) != v}
        if changed.get("status") is not None:
            template.status_reason = None
        for name, value in changed.items():
            setattr(template, name, value)
    deleted = 0
    for key, template in stored.items():
        if key not in seen and template.status != TemplateStatus.DELETED:
            template.status = TemplateStatus.DELETED
            deleted += 1
    await session.flush()
    return SyncResult(waba_id=waba_id, listed=len(seen), deleted=deleted)


async def apply_status_update(
    session: AsyncSession, *, waba_id: str | None, change: TemplateStatusUpdate
) -> bool:
    """Applies a `message_template_status_update` webhook to the stored template (by Meta's
    id; idempotent). False when the event changes no status or the template is unknown (the
    next sync brings it). Flushes only: the webhook intake commits."""
    status = STATUS_EVENTS.get(change.event.strip().upper())
    if status is None:
        logger.info("template status event kept for the next sync", extra={"event": change.event})
        return False
    stmt = (
        update(Template)
        .where(Template.meta_id == change.message_template_id)
        .values(
            status=status,
            status_reason=change.reason[:255] if change.reason else None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if waba_id:
        stmt = stmt.where(Template.waba_id == waba_id)
    result = await session.execute(stmt)
    if not getattr(result, "rowcount", 0):
        logger.info(
            "status update for a template not synced yet",
            extra={"template_id": change.message_template_id, "event": change.event},
        )
        return False
    return True


async def render_approved(session: AsyncSession, *, number: Number, send: TemplateObject) -> str:
    """The body text the customer will read, once the send is known to name an approved
    template of the number's WABA with fitting parameters; raises `TemplateNotApproved` or
    `TemplateParametersMismatch` otherwise. No network: this runs before the message is
    queued."""
    waba_id = waba_id_of(number)
    template = None
    if waba_id is not None:
        template = await session.scalar(
            select(Template).where(
                Template.waba_id == waba_id,
                Template.name == send.name,
                Template.language == send.language.code,
            )
        )
    if template is None:
        raise TemplateNotApproved(
            f"No template {send.name!r} in {send.language.code} for this number: "
            "sync the number's templates or pick another"
        )
    if template.status != TemplateStatus.APPROVED:
        raise TemplateNotApproved(
            f"Template {send.name!r} in {send.language.code} is {template.status}, not approved"
        )
    return check_and_render(
        StoredTemplate(
            name=template.name,
            parameter_format=template.parameter_format,
            components=template.components,
        ),
        send,
    )
