"""The process's Prometheus instruments, in the default registry (with the process and GC
metrics prometheus_client collects on its own).

Each process (every `atende serve`, every `atende worker`) counts what it did itself; a
scrape of one instance shows that instance only.
"""

from collections.abc import Iterable
from typing import Any

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

# `*_created` timestamps would double the series for nothing Atende's dashboards use.
disable_created_metrics()  # type: ignore[no-untyped-call]

WEBHOOK_RESULTS = ("accepted", "bad_signature", "invalid", "error")
OUTBOUND_STATUSES = ("queued", "sent", "delivered", "read", "failed")

WEBHOOK_REQUESTS = Counter(
    "atende_webhook_requests",
    "Webhook POSTs from Meta, by result: accepted (200 after commit), bad_signature (401), "
    "invalid (400/413/422) or error (5xx, or the client left mid-body).",
    ["result"],
)
WEBHOOK_LATENCY = Histogram(
    "atende_webhook_request_duration_seconds",
    "Time from the start of a webhook POST to its answer (body, signature, parse, commit).",
)
INBOUND_MESSAGES = Counter(
    "atende_inbound_messages", "Inbound messages stored (redeliveries not counted)."
)
OUTBOUND_STATUS = Counter(
    "atende_outbound_status_transitions",
    "Outbound messages moved to a status: queued when written, sent when Meta accepted the "
    "call, delivered/read/failed from status webhooks (failed also when sending gave up).",
    ["status"],
)
GRAPH_ERRORS = Counter(
    "atende_graph_errors",
    "Failed Graph API calls, by Meta error code (http_<status> without one; network for "
    "timeouts and connection failures).",
    ["code"],
)
SOCKETIO_CONNECTIONS = Gauge(
    "atende_socketio_connections", "Authenticated socket.io connections to this process."
)

OUTBOUND_QUEUED = OUTBOUND_STATUS.labels(status="queued")
for _result in WEBHOOK_RESULTS:
    WEBHOOK_REQUESTS.labels(result=_result)
for _status in OUTBOUND_STATUSES:
    OUTBOUND_STATUS.labels(status=_status)


def graph_error(code: int | None, http_status: int | None) -> None:
    if code is not None:
        label = str(code)
    elif http_status is not None:
        label = f"http_{http_status}"
    else:
        label = "network"
    GRAPH_ERRORS.labels(code=label).inc()


# -- counting what a transaction commits --------------------------------------------------

_PENDING = "pending_counts"


def count_on_commit(session: AsyncSession, counter: Counter, amount: int = 1) -> None:
    """Adds `amount` once this session's transaction commits; a rollback drops it, so a
    delivery retried after a failed transaction is counted once."""
    if amount:
        session.info.setdefault(_PENDING, []).append((counter, amount))


def count_statuses_on_commit(session: AsyncSession, statuses: Iterable[str]) -> None:
    """One increment per distinct status, not per message."""
    totals: dict[str, int] = {}
    for status in statuses:
        totals[status] = totals.get(status, 0) + 1
    for status, amount in totals.items():
        count_on_commit(session, OUTBOUND_STATUS.labels(status=status), amount)


@event.listens_for(AsyncSession.sync_session_class, "after_commit")
def _count_committed(session: Any) -> None:
    for counter, amount in session.info.pop(_PENDING, ()):
        counter.inc(amount)


@event.listens_for(AsyncSession.sync_session_class, "after_rollback")
def _drop_rolled_back(session: Any) -> None:
    session.info.pop(_PENDING, None)
