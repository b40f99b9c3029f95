"""Set-based conversation opening and activity updates for webhook intake.

`uq_conversations_open_pair` (one OPEN conversation per number and contact) makes opening
race-safe: the insert skips pairs another delivery opened first, which are then read back.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Integer,
    Table,
    Uuid,
    bindparam,
    case,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from atende.conversations.models import Conversation, ConversationStatus
from atende.core import upsert
from atende.core.types import UTCDateTime, new_id

CONVERSATIONS = cast(Table, Conversation.__table__)
_v = CONVERSATIONS.c
OPEN = ConversationStatus.OPEN.value

Pair = tuple[uuid.UUID, uuid.UUID]  # (number id, contact id)


@dataclass(frozen=True, slots=True)
class Opening:
    """A conversation to open for a pair, with the number's default team."""

    number_id: uuid.UUID
    contact_id: uuid.UUID
    team_id: uuid.UUID | None
    # The oldest message it will hold; the activity update moves it to the newest.
    since: datetime


async def open_conversations(
    session: AsyncSession, *, openings: list[Opening], now: datetime
) -> tuple[dict[Pair, uuid.UUID], list[uuid.UUID]]:
    """Open one conversation per pair; returns every pair's open conversation and the ids
    this call opened (pairs opened concurrently by another delivery get that one)."""
    rows: list[dict[str, Any]] = [
        {
            "id": new_id(),
            "number_id": o.number_id,
            "contact_id": o.contact_id,
            "status": OPEN,
            "team_id": o.team_id,
            "last_message_at": o.since,
            "unread_count": 0,
            "created_at": now,
            "updated_at": now,
        }
        for o in sorted(openings, key=lambda o: (o.number_id, o.contact_id))
    ]
    if not rows:
        return {}, []
    stmt = upsert.insert(session, CONVERSATIONS).on_conflict_do_nothing(
        index_elements=["number_id", "contact_id"], index_where=text("status = 'open'")
    )
    inserted = set((await upsert.execute(session, stmt.returning(_v.id), rows)).scalars())
    found: dict[Pair, uuid.UUID] = {}
    opened: list[uuid.UUID] = []
    lost: list[Pair] = []
    for row in rows:
        pair: Pair = (row["number_id"], row["contact_id"])
        if row["id"] in inserted:
            found[pair] = row["id"]
            opened.append(row["id"])
        else:
            lost.append(pair)
    if lost:
        result = await upsert.execute(
            session,
            select(_v.id, _v.number_id, _v.contact_id).where(
                _v.status == OPEN, tuple_(_v.number_id, _v.contact_id).in_(lost)
            ),
        )
        for conversation_id, number_id, contact_id in result:
            found[(number_id, contact_id)] = conversation_id
    return found, opened


@dataclass(slots=True)
class Activity:
    """What one delivery changes on one conversation."""

    last_inbound_at: datetime
    first_inbound_at: datetime | None = None
    last_message_at: datetime | None = None
    last_message_id: uuid.UUID | None = None
    unread: int = 0


class ActivityLog(dict[uuid.UUID, Activity]):
    def inbound(self, conversation_id: uuid.UUID, at: datetime) -> Activity:
        """Any inbound update (reactions too) keeps the 24-hour window open."""
        entry = self.get(conversation_id)
        if entry is None:
            entry = self[conversation_id] = Activity(last_inbound_at=at)
        elif at > entry.last_inbound_at:
            entry.last_inbound_at = at
        return entry

    def message(self, conversation_id: uuid.UUID, message_id: uuid.UUID, at: datetime) -> None:
        entry = self.inbound(conversation_id, at)
        if entry.first_inbound_at is None or at < entry.first_inbound_at:
            entry.first_inbound_at = at
        if entry.last_message_at is None or at >= entry.last_message_at:
            entry.last_message_at = at
            entry.last_message_id = message_id
        entry.unread += 1


_TS = UTCDateTime()
_b_inbound = bindparam("b_inbound", type_=_TS)
_b_message_at = bindparam("b_message_at", type_=_TS)
_b_first = bindparam("b_first", type_=_TS)
_TOUCH = (
    update(CONVERSATIONS)
    .where(_v.id == bindparam("b_id", type_=Uuid()))
    .values(
        # WhatsApp timestamps drive the 24-hour window; they never move it backwards.
        last_inbound_at=case(
            (or_(_v.last_inbound_at.is_(None), _v.last_inbound_at < _b_inbound), _b_inbound),
            else_=_v.last_inbound_at,
        ),
        # The earliest message, whatever order deliveries arrive in (first response time
        # counts from it); a NULL b_first (reactions only) changes nothing.
        first_inbound_at=case(
            (or_(_v.first_inbound_at.is_(None), _v.first_inbound_at > _b_first), _b_first),
            else_=_v.first_inbound_at,
        ),
        # A NULL b_message_at (reactions only) compares as unknown: both stay.
        last_message_id=case(
            (_v.last_message_at <= _b_message_at, bindparam("b_message_id", type_=Uuid())),
            else_=_v.last_message_id,
        ),
        last_message_at=case(
            (_v.last_message_at <= _b_message_at, _b_message_at), else_=_v.last_message_at
        ),
        unread_count=_v.unread_count + bindparam("b_unread", type_=Integer()),
        updated_at=bindparam("b_now", type_=_TS),
    )
)


async def record_activity(session: AsyncSession, *, log: ActivityLog, now: datetime) -> None:
    """One batched UPDATE for every conversation the delivery touched."""
    if not log:
        return
    params = [
        {
            "b_id": conversation_id,
            "b_inbound": a.last_inbound_at,
            "b_first": a.first_inbound_at,
            "b_message_at": a.last_message_at,
            "b_message_id": a.last_message_id,
            "b_unread": a.unread,
            "b_now": now,
        }
        for conversation_id, a in sorted(log.items())
    ]
    await upsert.execute(session, _TOUCH, params)
