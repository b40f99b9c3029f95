"""The outbox's SQL: claiming due messages and recording send results, in batches.

A claim sets `claimed_until` (the lease) and moves `next_attempt_at` to the same instant, so
a claimed row leaves the front of `ix_messages_outbox` until its lease ends: a sender that
dies never strands a message, and live senders never scan past each other's rows.
`attempts` is bumped by each claim and serves as the fencing token: a sender records a
result only if the row still carries the attempt number it claimed.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from atende.conversations.models import Conversation
from atende.core.db import queue_event
from atende.core.types import UTCDateTime
from atende.messages import statuses
from atende.messages.models import Message, MessageStatus
from atende.numbers.models import Number
from atende.realtime.events import MESSAGE_STATUS, conversation_event

# Literal, not a bind parameter: PostgreSQL then proves the partial index's predicate.
QUEUED = text("messages.status = 'queued'")
_messages = cast(Table, Message.__table__)


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
    session: AsyncSession, *, now: datetime, lease: timedelta, limit: int
) -> list[ClaimedMessage]:
    """Claims up to `limit` due messages (oldest first). `FOR UPDATE SKIP LOCKED` lets any
    number of PostgreSQL senders claim side by side; SQLite's single writer makes the one
    UPDATE atomic on its own."""
    lease_until = now + lease
    due = (
        select(Message.id)
        .where(
            QUEUED,
            Message.next_attempt_at <= now,
            or_(Message.claimed_until.is_(None), Message.claimed_until <= now),
        )
        .order_by(Message.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await session.execute(
        update(Message)
        .where(Message.id.in_(due.scalar_subquery()))
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
