"""Outbound delivery statuses from webhooks (cloud-api.md §5).

Statuses only move forward (`STATUS_RANK`): read beats delivered whatever the arrival order,
`failed` applies only below delivered, and a later delivered/read for a failed message wins
while keeping the error for audit. A status for a wamid Atende has not stored yet (the send
response is still in flight) waits in `pending_statuses` until `apply_pending` runs.

Races with the sender are closed per dialect: on PostgreSQL both sides take a transaction
advisory lock per wamid before looking at the other side's table; on SQLite writers are
serialised, so re-reading after our first write sees everything committed before it.
"""

import functools
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from atende.conversations.models import Conversation
from atende.core import upsert
from atende.core.db import queue_event
from atende.core.types import utcnow
from atende.messages.models import STATUS_RANK, Direction, Message, MessageStatus, PendingStatus
from atende.metrics.instruments import count_statuses_on_commit
from atende.realtime.events import MESSAGE_STATUS, conversation_event
from atende.whatsapp.inbound import InboundStatus

logger = logging.getLogger(__name__)

MESSAGES = cast(Table, Message.__table__)
CONVERSATIONS = cast(Table, Conversation.__table__)
PENDING = cast(Table, PendingStatus.__table__)
_m = MESSAGES.c
_v = CONVERSATIONS.c
_p = PENDING.c

_FIELDS_ALL = (
    "status",
    "sent_at",
    "delivered_at",
    "read_at",
    "error_code",
    "error_title",
    "error_details",
)
# First key of the two-key advisory locks taken on wamids (any constant unique to Atende).
LOCK_NAMESPACE = 0x0A7E


@dataclass(slots=True)
class _Target:
    id: uuid.UUID
    wamid: str
    conversation_id: uuid.UUID
    team_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    status: str
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    error_code: int | None
    error_title: str | None
    error_details: str | None

    def snapshot(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in _FIELDS_ALL)


def _earliest(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate < current else current


def merge(target: _Target, status: InboundStatus) -> None:
    """Apply one status to the target in memory, monotonically."""
    current = STATUS_RANK.get(target.status, 0)
    rank = STATUS_RANK[status.status]
    ts = status.timestamp
    if status.status == MessageStatus.FAILED:
        if current < STATUS_RANK[MessageStatus.DELIVERED] and target.status != MessageStatus.FAILED:
            target.status = MessageStatus.FAILED
            target.error_code = status.error_code
            target.error_title = status.error_title
            target.error_details = status.error_details
        return
    # Each time is the earliest proof seen, whatever order the webhooks arrive in (a late
    # `delivered` still corrects the time a `read` filled in before it).
    if status.status == MessageStatus.SENT:
        target.sent_at = _earliest(target.sent_at, ts)
    else:
        # delivered, read and played each prove delivery; read and played prove reading.
        target.delivered_at = _earliest(target.delivered_at, ts)
        if rank >= STATUS_RANK[MessageStatus.READ]:
            target.read_at = _earliest(target.read_at, ts)
    if rank > current:
        target.status = status.status


async def apply_statuses(session: AsyncSession, *, statuses: list[InboundStatus]) -> None:
    """Apply webhook statuses; unknown wamids are kept for later. Queues message:status."""
    if not statuses:
        return
    by_wamid: dict[str, list[InboundStatus]] = {}
    for status in statuses:
        by_wamid.setdefault(status.wamid, []).append(status)
    targets = await _load_targets(session, by_wamid)
    unknown = [w for w in by_wamid if w not in targets]
    if unknown:
        await _lock(session, unknown)
        await _keep_pending(session, [s for w in unknown for s in by_wamid[w]])
        late = await _load_targets(session, unknown)
        if late:
            targets.update(late)
            await upsert.execute(session, delete(PENDING).where(_p.wamid.in_(list(late))))
    await _apply(session, targets, by_wamid)


async def apply_pending(session: AsyncSession, wamids: list[str]) -> None:
    """Apply statuses that arrived before their wamid was stored.

    The sender calls this in the transaction that stores the wamid, after the write; it
    queues the message:status events and does not commit.
    """
    if not wamids:
        return
    await session.flush()  # the sender's wamid must be visible to the Core reads below
    await _lock(session, wamids)
    rows = (await upsert.execute(session, select(PENDING).where(_p.wamid.in_(wamids)))).all()
    if not rows:
        return
    by_wamid: dict[str, list[InboundStatus]] = {}
    for row in rows:
        by_wamid.setdefault(row.wamid, []).append(
            InboundStatus(
                wamid=row.wamid,
                status=row.status,
                timestamp=row.timestamp,
                error_code=row.error_code,
                error_title=row.error_title,
                error_details=row.error_details,
            )
        )
    targets = await _load_targets(session, by_wamid)
    await upsert.execute(session, delete(PENDING).where(_p.wamid.in_(list(targets))))
    await _apply(session, targets, by_wamid)


async def _apply(
    session: AsyncSession, targets: dict[str, _Target], by_wamid: dict[str, list[InboundStatus]]
) -> None:
    now = utcnow()
    changed: list[_Target] = []
    notify: list[_Target] = []
    moved: list[str] = []
    for wamid, target in targets.items():
        before = target.snapshot()
        # In time order, so a batch holding delivered and read records both times.
        for status in sorted(by_wamid.get(wamid, ()), key=_chronological):
            merge(target, status)
        after = target.snapshot()
        if after != before:
            changed.append(target)
            # Only a new status or error is news; a late timestamp is just recorded.
            if before[:1] + before[4:] != after[:1] + after[4:]:
                notify.append(target)
            if before[0] != after[0]:
                moved.append(target.status)
    if not changed:
        return
    count_statuses_on_commit(session, moved)
    params = [
        {"b_id": t.id, "b_now": now, **{f"b_{f}": getattr(t, f) for f in _FIELDS_ALL}}
        for t in sorted(changed, key=lambda t: t.id)
    ]
    await upsert.execute(session, _UPDATE, params)
    for target in notify:
        queue_event(session, _status_event(target))


_UPDATE = (
    update(MESSAGES)
    .where(_m.id == bindparam("b_id"))
    .values(
        {
            **{f: bindparam(f"b_{f}", type_=_m[f].type) for f in _FIELDS_ALL},
            "updated_at": bindparam("b_now", type_=_m.updated_at.type),
        }
    )
)


def _chronological(status: InboundStatus) -> tuple[datetime, int]:
    return status.timestamp, STATUS_RANK[status.status]


def _status_event(target: _Target) -> Any:
    error = None
    if target.error_code is not None or target.error_title:
        error = {
            "code": target.error_code,
            "title": target.error_title,
            "details": target.error_details,
        }
    payload = {
        "conversation_id": str(target.conversation_id),
        "message_id": str(target.id),
        "wamid": target.wamid,
        "status": target.status,
        "error": error,
    }
    return conversation_event(
        MESSAGE_STATUS, payload, team_id=target.team_id, assignee_id=target.assignee_id
    )


async def _load_targets(session: AsyncSession, wamids: Iterable[str]) -> dict[str, _Target]:
    stmt = _targets_query(upsert.dialect_name(session))
    result = await upsert.execute(session, stmt, {"b_wamids": list(wamids)})
    return {row[1]: _Target(*row) for row in result}


@functools.cache
def _targets_query(dialect: str) -> Any:
    return (
        select(
            _m.id,
            _m.wamid,
            _m.conversation_id,
            _v.team_id,
            _v.assignee_id,
            *(_m[f] for f in _FIELDS_ALL),
        )
        .join_from(MESSAGES, CONVERSATIONS, _v.id == _m.conversation_id)
        .where(
            upsert.in_list(dialect, _m.wamid, "b_wamids"),
            _m.direction == Direction.OUTBOUND.value,
        )
        # One lock order for every writer keeps concurrent deliveries free of deadlocks.
        .order_by(_m.id)
        .with_for_update(of=MESSAGES)
    )


async def _keep_pending(session: AsyncSession, statuses: list[InboundStatus]) -> None:
    now = utcnow()
    stmt = upsert.insert(session, PENDING).on_conflict_do_nothing(
        index_elements=["wamid", "status"]
    )
    seen: set[tuple[str, str]] = set()
    params = []
    for s in sorted(statuses, key=lambda s: (s.wamid, s.status)):
        if (s.wamid, s.status) in seen:
            continue
        seen.add((s.wamid, s.status))
        params.append(
            {
                "wamid": s.wamid,
                "status": s.status,
                "timestamp": s.timestamp,
                "error_code": s.error_code,
                "error_title": s.error_title,
                "error_details": s.error_details,
                "created_at": now,
            }
        )
    await upsert.execute(session, stmt, params)


async def _lock(session: AsyncSession, wamids: Iterable[str]) -> None:
    """PostgreSQL: serialise with the sender on these wamids until commit."""
    if upsert.dialect_name(session) != "postgresql":
        return
    await upsert.execute(session, _LOCK_SQL, {"wamids": sorted(set(wamids))})


# Sorted, so two transactions locking overlapping sets cannot deadlock.
_LOCK_SQL = text(
    "SELECT count(pg_advisory_xact_lock(:namespace, h)) FROM "
    "(SELECT DISTINCT hashtext(w) AS h FROM unnest(CAST(:wamids AS text[])) AS w ORDER BY h) AS s"
).bindparams(namespace=LOCK_NAMESPACE)
