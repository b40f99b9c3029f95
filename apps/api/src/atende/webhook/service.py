"""Webhook intake: one envelope, one transaction, events after commit.

The whole POST is stored in a single transaction: either every storable item of the
envelope commits, or nothing does and the caller answers 503 so Meta redelivers. Parsing is
total (see `whatsapp.parser`), so a malformed item never costs the valid ones: it is stored
as `unsupported`, or skipped and logged when it has no wamid or sender to key it on.
"""

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from atende.core.db import commit
from atende.core.exceptions import ServiceUnavailable
from atende.messages.ingest import RoutedMessage, ingest_messages
from atende.messages.ingest_events import queue_ingest_events
from atende.messages.statuses import apply_statuses
from atende.metrics.instruments import INBOUND_MESSAGES, count_on_commit
from atende.templates import service as templates_service
from atende.webhook.directory import NumberDirectory
from atende.whatsapp.inbound import InboundStatus, OtherChange, ParsedEnvelope
from atende.whatsapp.templates import parse_template_status

logger = logging.getLogger(__name__)

# What a database outage looks like from here; anything else is a bug (500).
DATABASE_ERRORS = (SQLAlchemyError, OSError, TimeoutError)


class WebhookUnavailable(ServiceUnavailable):
    code = "webhook_unavailable"


async def store(
    session: AsyncSession, *, envelope: ParsedEnvelope, directory: NumberDirectory
) -> None:
    """Store everything in the envelope and commit; raise `WebhookUnavailable` on a database
    failure (the envelope is then not acknowledged and Meta redelivers it)."""
    try:
        await _receive(session, envelope, directory)
    except DATABASE_ERRORS as e:
        logger.warning("webhook not stored: database unavailable", exc_info=e)
        raise WebhookUnavailable("The database is unavailable; try again later") from e


async def _receive(
    session: AsyncSession, envelope: ParsedEnvelope, directory: NumberDirectory
) -> None:
    for other in envelope.others:
        await _OTHER_FIELDS.get(other.field, _log_unhandled)(session, other)
    if envelope.skipped:
        logger.warning("webhook items without wamid or sender", extra={"count": envelope.skipped})
    if not envelope.changes:
        if envelope.others:
            await commit(session)
        return
    routes = await directory.resolve(session, envelope.phone_number_ids)
    items: list[RoutedMessage] = []
    statuses: list[InboundStatus] = []
    for change in envelope.changes:
        route = routes.get(change.phone_number_id)
        if route is None:
            logger.warning(
                "webhook for an unknown phone_number_id acknowledged",
                extra={
                    "phone_number_id": change.phone_number_id[:64],
                    "messages": len(change.messages),
                    "statuses": len(change.statuses),
                },
            )
            continue
        items.extend(RoutedMessage(number=route, message=m) for m in change.messages)
        statuses.extend(change.statuses)
        for error in change.errors:
            logger.warning("webhook error from Meta", extra={"error": str(error)[:500]})
    if not items and not statuses:
        if envelope.others:
            await commit(session)
        return
    result = await ingest_messages(session, items=items)
    await apply_statuses(session, statuses=statuses)
    await queue_ingest_events(session, result)
    count_on_commit(session, INBOUND_MESSAGES, len(result.new_messages))
    await commit(session)


OtherHandler = Callable[[AsyncSession, OtherChange], Awaitable[None]]


async def _template_status(session: AsyncSession, change: OtherChange) -> None:
    update = parse_template_status(change.value)
    if update is None:
        logger.warning("template status update without template id or event")
        return
    await templates_service.apply_status_update(session, waba_id=change.waba_id, change=update)


async def _log_unhandled(_session: AsyncSession, change: OtherChange) -> None:
    logger.info("webhook field acknowledged", extra={"field": change.field[:64]})


# Webhook fields other than `messages`, by name; each may write in the intake transaction.
_OTHER_FIELDS: dict[str, OtherHandler] = {
    "message_template_status_update": _template_status,
}
