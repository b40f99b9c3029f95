"""The outbox's SQL: claiming due messages and recording send results, in batches.

A claim sets `claimed_until` (the lease) and moves `next_attempt_at` to the same instant, so
a claimed row leaves the front of `ix_messages_outbox` until its lease ends: a sender that
dies never strands a message, and live senders never scan past each other's rows.
`attempts` is bumped by each claim and serves as the fencing token: a sender records a
result only if the row still carries the attempt number it claimed.
"""

import itertools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, false, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from atende.conversations.models import Conversation
from atende.core.db import queue_event
from atende.core.types import UTCDateTime
from atende.core.upsert import dialect_name
from atende.messages import statuses
from atende.messages.models import Message, MessageStatus
from atende.metrics.instruments import OUTBOUND_STATUS, count_on_commit
from atende.numbers.models import Number
from atende.realtime.events import MESSAGE_STATUS, conversation_event

# Literal, not a bind parameter: PostgreSQL then proves the partial index's predicate.
QUEUED = text("messages.status = 'queued'")
_messages = cast(Table, Message.__table__)
# With per-number room, a claim reads this many candidates per message it may take, and reads
# again past the numbers found while the window comes back full, so that numbers behind
# another's backlog are still found.
SCAN_FACTOR = 4
SCAN_PASSES = 3
SENT_TOTAL = OUTBOUND_STATUS.labels(status="sent")
FAILED_TOTAL = OUTBOUND_STATUS.labels(status="failed")


@dataclass(slots=True)
class ClaimedMessage:
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    attempts: int
    body: dict[str, Any] | None
    phone_number_id: str
    access_token_encrypted: str | None
    is_simulated: bool
    number_active: bool
    rate: float | None


async def claim(
    session: AsyncSession,
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
    room: Mapping[str, int] | None = None,
    default_room: int | None = None,
) -> list[ClaimedMessage]:
    """Claims up to `limit` due messages: oldest first within each number, and in turns
    across numbers, so one number's backlog does not take every claim. `room` caps what each
    number (by phone_number_id) may get, `default_room` any number not in it; a number with
    no room is not even looked at.

    The candidates are read and locked with `FOR UPDATE SKIP LOCKED`, so any number of
    PostgreSQL senders claim side by side; on SQLite the claim takes the (single) write lock
    first. The UPDATE checks again that each candidate is still due and unclaimed."""
    lease_until = now + lease
    claimable = (
        QUEUED,
        Message.next_attempt_at <= now,
        or_(Message.claimed_until.is_(None), Message.claimed_until <= now),
    )
    if dialect_name(session) == "sqlite":
        # Take SQLite's write lock before reading, so that two senders never pick the same rows.
        await session.execute(update(Message).where(false()))
    capped = room is not None or default_room is not None
    size = limit * SCAN_FACTOR if capped else limit
    scan = (
        select(Message.id, Number.phone_number_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Number, Number.id == Conversation.number_id)
        .where(*claimable)
        .order_by(Message.next_attempt_at)
        .limit(size)
        .with_for_update(skip_locked=True, of=Message)
    )
    passed_over = {key for key, n in (room or {}).items() if n <= 0}
    candidates: list[tuple[uuid.UUID, str]] = []
    numbers: set[str] | None = None
    for _ in range(SCAN_PASSES if capped else 1):
        if passed_over:
            # A scan that passes over every number finds nothing, after walking the whole
            # due backlog: don't run it.
            if numbers is None:
                numbers = set((await session.scalars(select(Number.phone_number_id))).all())
            if passed_over >= numbers:
                break
        stmt = scan.where(Number.phone_number_id.not_in(passed_over)) if passed_over else scan
        found = [(row[0], row[1]) for row in (await session.execute(stmt)).all()]
        candidates.extend(found)
        if len(found) < size:
            break
        # A full window may be one number's backlog: look again past the numbers it holds.
        passed_over.update(key for _, key in found)
    picked = in_turns(candidates, limit=limit, room=room or {}, default_room=default_room)
    if not picked:
        return []
    claimed = await session.execute(
        update(Message)
        .where(Message.id.in_(picked), *claimable)
        .values(
            claimed_until=lease_until,
            next_attempt_at=lease_until,
            attempts=Message.attempts + 1,
        )
        .returning(Message.id)
        .execution_options(synchronize_session=False)
    )
    ids = list(claimed.scalars())
    if not ids:
        return []
    rows = await session.execute(
        select(
            Message.id,
            Message.conversation_id,
            Message.attempts,
            Message.payload,
            Number.phone_number_id,
            Number.access_token_encrypted,
            Number.is_simulated,
            Number.is_active,
            Number.send_rate_per_second,
        )
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Number, Number.id == Conversation.number_id)
        .where(Message.id.in_(ids))
    )
    return [ClaimedMessage(*row) for row in rows.all()]


def in_turns(
    candidates: Sequence[tuple[uuid.UUID, str]],
    *,
    limit: int,
    room: Mapping[str, int],
    default_room: int | None,
) -> list[uuid.UUID]:
    """Round robin over numbers, each taken in the order given, each up to its room: the
    first candidate of every number, then the second of every number, and so on."""
    queues: dict[str, list[uuid.UUID]] = {}
    for message_id, key in candidates:
        queues.setdefault(key, []).append(message_id)
    for key, ids in queues.items():
        cap = room.get(key, default_room)
        if cap is not None:
            del ids[max(cap, 0) :]
    picked: list[uuid.UUID] = []
    for turn in itertools.zip_longest(*queues.values()):
        for message_id in turn:
            if message_id is None:
                continue
            picked.append(message_id)
            if len(picked) >= limit:
                return picked
    return picked


class ResultKind(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    # Not attempted (shutdown, lease too short, number throttled): back to the queue at
    # `retry_at` (default: now), the attempt not counted.
    RELEASED = "released"


@dataclass(slots=True)
class SendResult:
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    attempts: int
    kind: ResultKind
    wamid: str | None = None
    retry_at: datetime | None = None
    error_code: int | None = None
    error_title: str | None = None
    error_details: str | None = None


@dataclass(slots=True)
class RecordStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    lost: int = 0


def _b(name: str, type_: Any = None) -> Any:
    return bindparam(name, type_=type_)


_SENT = (
    update(_messages)
    .where(_messages.c.id == _b("b_id"), _messages.c.attempts == _b("b_attempts"))
    .values(
        wamid=func.coalesce(_messages.c.wamid, _b("b_wamid")),
        # Meta's 200 only means "accepted"; a status that raced ahead is never undone.
        status=case(
            (_messages.c.status == MessageStatus.QUEUED.value, "sent"), else_=_messages.c.status
        ),
        sent_at=func.coalesce(_messages.c.sent_at, _b("b_now", UTCDateTime())),
        claimed_until=None,
        next_attempt_at=None,
        error_code=None,
        error_title=None,
        error_details=None,
    )
)
_RETRY = (
    update(_messages)
    .where(
        _messages.c.id == _b("b_id"),
        _messages.c.attempts == _b("b_attempts"),
        QUEUED,
    )
    .values(claimed_until=None, next_attempt_at=_b("b_retry_at", UTCDateTime()))
)
_FAILED = (
    update(_messages)
    .where(
        _messages.c.id == _b("b_id"),
        _messages.c.attempts == _b("b_attempts"),
        QUEUED,
    )
    .values(
        status=MessageStatus.FAILED.value,
        error_code=_b("b_code"),
        error_title=_b("b_title"),
        error_details=_b("b_details"),
        claimed_until=None,
        next_attempt_at=None,
    )
)
_RELEASED = (
    update(_messages)
    .where(_messages.c.id == _b("b_id"), _messages.c.attempts == _b("b_attempts"))
    .values(
        claimed_until=None,
        next_attempt_at=_b("b_retry_at", UTCDateTime()),
        attempts=_messages.c.attempts - 1,
    )
)


async def record(
    session: AsyncSession, results: Sequence[SendResult], *, now: datetime
) -> RecordStats:
    """Stores a batch of results (one statement per kind), applies statuses that arrived
    before their wamid, and queues message:status events. The caller commits."""
    stats = RecordStats()
    if not results:
        return stats
    ids = [r.message_id for r in results]
    current = {
        row.id: row
        for row in (
            await session.execute(
                select(Message.id, Message.attempts, Message.status, Message.wamid)
                .where(Message.id.in_(ids))
                # One lock order for every writer: concurrent recorders never deadlock.
                .order_by(Message.id)
                .with_for_update()
            )
        ).all()
    }
    # A row whose lease expired was claimed again by another sender: its result is theirs.
    owned = [
        r
        for r in results
        if (row := current.get(r.message_id)) is not None and row.attempts == r.attempts
    ]
    stats.lost = len(results) - len(owned)
    by_kind: dict[ResultKind, list[SendResult]] = {kind: [] for kind in ResultKind}
    for result in owned:
        by_kind[result.kind].append(result)

    if sent := by_kind[ResultKind.SENT]:
        await session.execute(
            _SENT,
            [
                {"b_id": r.message_id, "b_attempts": r.attempts, "b_wamid": r.wamid, "b_now": now}
                for r in sent
            ],
        )
    # Retries and failures only apply to rows still queued (a webhook may have moved them).
    retry = [r for r in by_kind[ResultKind.RETRY] if current[r.message_id].status == "queued"]
    if retry:
        await session.execute(
            _RETRY,
            [
                {"b_id": r.message_id, "b_attempts": r.attempts, "b_retry_at": r.retry_at}
                for r in retry
            ],
        )
    failed = [r for r in by_kind[ResultKind.FAILED] if current[r.message_id].status == "queued"]
    if failed:
        await session.execute(
            _FAILED,
            [
                {
                    "b_id": r.message_id,
                    "b_attempts": r.attempts,
                    "b_code": r.error_code,
                    "b_title": r.error_title,
                    "b_details": r.error_details,
                }
                for r in failed
            ],
        )
    if released := by_kind[ResultKind.RELEASED]:
        await session.execute(
            _RELEASED,
            [
                {"b_id": r.message_id, "b_attempts": r.attempts, "b_retry_at": r.retry_at or now}
                for r in released
            ],
        )
    stats.sent, stats.retried = len(sent), len(retry)
    stats.failed, stats.released = len(failed), len(released)
    # A status webhook that beat the send response already moved the row past `sent`.
    count_on_commit(
        session, SENT_TOTAL, sum(1 for r in sent if current[r.message_id].status == "queued")
    )
    count_on_commit(session, FAILED_TOTAL, len(failed))

    await _queue_status_events(session, sent=sent, failed=failed, current=current)
    wamids = [r.wamid for r in sent if r.wamid]
    if wamids:
        # Status webhooks that beat the send response wait in pending_statuses.
        await statuses.apply_pending(session, wamids)
    return stats


async def _queue_status_events(
    session: AsyncSession,
    *,
    sent: Sequence[SendResult],
    failed: Sequence[SendResult],
    current: dict[uuid.UUID, Any],
) -> None:
    changed = [*sent, *failed]
    if not changed:
        return
    # Read the audience now, not at claim time: the conversation may have moved meanwhile.
    audience = {
        row.id: row
        for row in (
            await session.execute(
                select(Conversation.id, Conversation.team_id, Conversation.assignee_id).where(
                    Conversation.id.in_({r.conversation_id for r in changed})
                )
            )
        ).all()
    }
    for result in changed:
        who = audience.get(result.conversation_id)
        if who is None:
            continue
        if result.kind == ResultKind.SENT:
            before = current[result.message_id].status
            status = "sent" if before == "queued" else before
            wamid = current[result.message_id].wamid or result.wamid
            error = None
        else:
            status, wamid = "failed", current[result.message_id].wamid
            error = {
                "code": result.error_code,
                "title": result.error_title,
                "details": result.error_details,
            }
        queue_event(
            session,
            conversation_event(
                MESSAGE_STATUS,
                {
                    "conversation_id": str(result.conversation_id),
                    "message_id": str(result.message_id),
                    "wamid": wamid,
                    "status": status,
                    "error": error,
                },
                team_id=who.team_id,
                assignee_id=who.assignee_id,
            ),
        )


@dataclass(frozen=True, slots=True)
class Claim:
    message_id: uuid.UUID
    # The attempt number the claim set: the fencing token.
    attempts: int


async def release(session: AsyncSession, claims: Sequence[Claim], *, now: datetime) -> None:
    """Puts claimed messages that were never attempted back in the queue, due now and with
    the attempt uncounted, so another sender takes them at once instead of after the lease.
    A claim that has since passed to another sender (its lease ran out) is left alone. The
    caller commits."""
    if not claims:
        return
    await session.execute(
        _RELEASED,
        [{"b_id": c.message_id, "b_attempts": c.attempts, "b_retry_at": now} for c in claims],
    )
