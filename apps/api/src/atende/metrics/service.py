"""What /metrics computes when it is scraped: the outbox gauges, and who may scrape."""

import hmac
import ipaddress
import logging
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Gauge, generate_latest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from atende.core.db import Database
from atende.core.types import utcnow
from atende.messages.models import Message

logger = logging.getLogger(__name__)

# Database-wide figures, the same whichever instance answers: in their own registry, so
# only /metrics of `atende serve` reports them (a worker's exporter does not).
OUTBOX_REGISTRY = CollectorRegistry(auto_describe=True)
OUTBOX_DEPTH = Gauge(
    "atende_outbox_depth",
    "Outbound messages queued (waiting to be sent, being sent or waiting for a retry).",
    registry=OUTBOX_REGISTRY,
)
OUTBOX_OLDEST_AGE = Gauge(
    "atende_outbox_oldest_age_seconds",
    "Age of the oldest queued outbound message (0 when none is queued).",
    registry=OUTBOX_REGISTRY,
)


@dataclass(frozen=True, slots=True)
class OutboxSnapshot:
    depth: int
    oldest_age_seconds: float


async def outbox_snapshot(session: AsyncSession) -> OutboxSnapshot:
    """One query over the outbox's partial index (its predicate is the literal below)."""
    row = (
        await session.execute(
            select(func.count(), func.min(Message.created_at)).where(
                text("messages.status = 'queued'")
            )
        )
    ).one()
    depth, oldest = int(row[0]), row[1]
    age = max(0.0, (utcnow() - oldest).total_seconds()) if oldest is not None else 0.0
    return OutboxSnapshot(depth=depth, oldest_age_seconds=age)


async def scrape(db: Database) -> bytes:
    """This process's metrics and the outbox's, read now."""
    snapshot = None
    try:
        async with db.session() as session:
            snapshot = await outbox_snapshot(session)
    except Exception:
        # A scrape during a database outage still shows the process's own metrics.
        logger.warning("metrics: outbox query failed", exc_info=True)
    return render(snapshot)


def render(snapshot: OutboxSnapshot | None) -> bytes:
    """The process's metrics in Prometheus text format, with the outbox's when given."""
    output = generate_latest(REGISTRY)
    if snapshot is not None:
        OUTBOX_DEPTH.set(snapshot.depth)
        OUTBOX_OLDEST_AGE.set(snapshot.oldest_age_seconds)
        output += generate_latest(OUTBOX_REGISTRY)
    return output


def may_scrape(*, token: str | None, authorization: str | None, client_host: str | None) -> bool:
    """With METRICS_TOKEN: the bearer token, compared in constant time. Without: loopback
    clients only, so an instance reachable from a network never shows its metrics to it."""
    if token:
        scheme, _, given = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        )
    if not client_host:
        return False
    try:
        return ipaddress.ip_address(client_host).is_loopback
    except ValueError:
        return False
