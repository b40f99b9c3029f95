"""Dashboard queries. Each figure is an aggregate computed in SQL over indexed columns; the
only rows fetched are small aggregates (plus, on SQLite, one number per answered
conversation for the percentiles)."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    cast,
    func,
    insert,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from atende.conversations.models import Conversation, ConversationStatus
from atende.core.types import UTCDateTime
from atende.dashboard.models import SLOT_SECONDS, MessageVolume, VolumeSlot
from atende.messages.models import Direction, Message

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Scope:
    """Which conversations the figures cover."""

    number_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    # None: every conversation. Otherwise these teams' and the team-less ones.
    team_ids: frozenset[uuid.UUID] | None = None

    def clauses(
        self,
        number_col: InstrumentedAttribute[uuid.UUID],
        team_col: InstrumentedAttribute[uuid.UUID | None],
    ) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.number_id is not None:
            clauses.append(number_col == self.number_id)
        if self.team_id is not None:
            clauses.append(team_col == self.team_id)
        if self.team_ids is not None:
            clauses.append(or_(team_col.is_(None), team_col.in_(self.team_ids)))
        return clauses

    @property
    def is_everything(self) -> bool:
        return self.number_id is None and self.team_id is None and self.team_ids is None


@dataclass(frozen=True)
class SlotCount:
    start: datetime
    direction: Direction
    count: int


@dataclass(frozen=True)
class ResponseStats:
    count: int
    mean: float | None
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Snapshot:
    backlog: int
    oldest_waiting_since: datetime | None
    open: int
    resolved_in_range: int


def slot_floor(at: datetime) -> int:
    return int((at - EPOCH).total_seconds() // SLOT_SECONDS)


def slot_ceil(at: datetime) -> int:
    return -int(-(at - EPOCH).total_seconds() // SLOT_SECONDS)


def slot_start(slot: int) -> datetime:
    return EPOCH + timedelta(seconds=slot * SLOT_SECONDS)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _slot_of(dialect: str, column: InstrumentedAttribute[datetime]) -> ColumnElement[int]:
    # Same expressions as the trigger in the migration that invalidates tallied slots.
    if dialect == "postgresql":
        return cast(func.floor(func.date_part("epoch", column) / SLOT_SECONDS), BigInteger)
    # SQLite stores naive UTC text; strftime('%s') reads it as epoch seconds.
    return cast(func.strftime("%s", column), BigInteger) // SLOT_SECONDS


def _slot_counts(rows: Iterable[Sequence[Any]]) -> list[SlotCount]:
    return [
        SlotCount(start=slot_start(int(s)), direction=Direction(d), count=int(c))
        for s, d, c in rows
    ]


async def count_messages(
    session: AsyncSession, *, start: datetime, end: datetime, scope: Scope
) -> list[SlotCount]:
    """Messages per slot and direction straight from `messages`, by created_at."""
    slot = _slot_of(_dialect(session), Message.created_at).label("slot")
    stmt = (
        select(slot, Message.direction, func.count())
        .where(Message.created_at >= start, Message.created_at < end)
        .group_by(slot, Message.direction)
    )
    if not scope.is_everything:
        stmt = stmt.join(Conversation, Conversation.id == Message.conversation_id).where(
            *scope.clauses(Conversation.number_id, Conversation.team_id)
        )
    return _slot_counts((await session.execute(stmt)).all())


async def read_tally(
    session: AsyncSession, *, first: int, last: int, scope: Scope
) -> list[SlotCount]:
    """Tallied messages per slot and direction for slots [first, last)."""
    stmt = (
        select(MessageVolume.slot, MessageVolume.direction, func.sum(MessageVolume.count))
        .where(
            MessageVolume.slot >= first,
            MessageVolume.slot < last,
            *scope.clauses(MessageVolume.number_id, MessageVolume.team_id),
        )
        .group_by(MessageVolume.slot, MessageVolume.direction)
    )
    return _slot_counts((await session.execute(stmt)).all())


def _runs(slots: Iterable[int]) -> list[tuple[int, int]]:
    """Contiguous [first, last) runs of sorted slot numbers."""
    runs = []
    for _, group in groupby(enumerate(sorted(slots)), key=lambda pair: pair[1] - pair[0]):
        members = [slot for _, slot in group]
        runs.append((members[0], members[-1] + 1))
    return runs


async def tally_slots(session: AsyncSession, *, first: int, last: int, now: datetime) -> bool:
    """Tally the slots in [first, last) not tallied yet (the caller commits). Returns whether
    anything was written.

    Each slot is claimed by inserting its `volume_slots` row; of concurrent dashboards only
    the one whose insert lands counts it (PostgreSQL makes the other wait for it and skip).
    """
    dialect = _dialect(session)
    done = set(
        await session.scalars(
            select(VolumeSlot.slot).where(VolumeSlot.slot >= first, VolumeSlot.slot < last)
        )
    )
    missing = [s for s in range(first, last) if s not in done]
    if not missing:
        return False
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    claim = (
        upsert(VolumeSlot)
        .values([{"slot": s, "computed_at": now} for s in missing])
        .on_conflict_do_nothing(index_elements=[VolumeSlot.slot])
        .returning(VolumeSlot.slot)
    )
    claimed = list(await session.scalars(claim))
    slot = _slot_of(dialect, Message.created_at).label("slot")
    for run_first, run_last in _runs(claimed):
        counts = (
            select(
                slot, Conversation.number_id, Conversation.team_id, Message.direction, func.count()
            )
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.created_at >= slot_start(run_first),
                Message.created_at < slot_start(run_last),
            )
            .group_by(slot, Conversation.number_id, Conversation.team_id, Message.direction)
        )
        await session.execute(
            insert(MessageVolume).from_select(
                ["slot", "number_id", "team_id", "direction", "count"], counts
            )
        )
    return True


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks, exactly like percentile_cont."""
    position = (len(sorted_values) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _answered(start: datetime, end: datetime, scope: Scope) -> list[ColumnElement[bool]]:
    return [
        Conversation.first_response_at >= start,
        Conversation.first_response_at < end,
        # A reply sent before the customer ever wrote (business-initiated) is not a response.
        Conversation.first_inbound_at.is_not(None),
        Conversation.first_response_at >= Conversation.first_inbound_at,
        *scope.clauses(Conversation.number_id, Conversation.team_id),
    ]


async def first_response_stats(
    session: AsyncSession, *, start: datetime, end: datetime, scope: Scope
) -> ResponseStats:
    """First response times of the conversations whose first reply falls in the range."""
    where = _answered(start, end, scope)
    if _dialect(session) == "postgresql":
        # date_part gives float seconds (EXTRACT's numeric is several times slower to sort).
        seconds = func.date_part(
            "epoch", Conversation.first_response_at - Conversation.first_inbound_at
        )
        inner = select(cast(seconds, Float).label("s")).where(*where).subquery()
        # Sorting a month of values must stay in memory.
        await session.execute(text("SET LOCAL work_mem = '64MB'"))
        count, mean, median, p90 = (
            await session.execute(
                select(
                    func.count(),
                    func.avg(inner.c.s),
                    func.percentile_cont(0.5).within_group(inner.c.s),
                    func.percentile_cont(0.9).within_group(inner.c.s),
                )
            )
        ).one()
        return ResponseStats(
            count=int(count),
            mean=None if mean is None else float(mean),
            median=None if median is None else float(median),
            p90=None if p90 is None else float(p90),
        )
    # SQLite has no percentile aggregate: one number per conversation, sorted by SQL.
    days = func.julianday(Conversation.first_response_at) - func.julianday(
        Conversation.first_inbound_at
    )
    seconds_col = (days * 86400.0).label("s")
    stmt = select(seconds_col).where(*where).order_by(seconds_col)
    values = [float(v) for v in await session.scalars(stmt)]
    if not values:
        return ResponseStats(count=0, mean=None, median=None, p90=None)
    return ResponseStats(
        count=len(values),
        mean=sum(values) / len(values),
        median=percentile(values, 0.5),
        p90=percentile(values, 0.9),
    )


def _count(*where: ColumnElement[bool]) -> ColumnElement[int]:
    return select(func.count()).select_from(Conversation).where(*where).scalar_subquery()


async def snapshot(
    session: AsyncSession, *, start: datetime, end: datetime, scope: Scope
) -> Snapshot:
    """Backlog (open, unassigned) with its oldest wait, open count, resolved in range."""
    scoped = scope.clauses(Conversation.number_id, Conversation.team_id)
    is_open = Conversation.status == ConversationStatus.OPEN
    waiting = [is_open, Conversation.assignee_id.is_(None), *scoped]
    # Two minimums rather than min(coalesce(...)): each is one step down an index.
    oldest_inbound = (
        select(func.min(Conversation.first_inbound_at)).where(*waiting).scalar_subquery()
    )
    oldest_silent = (
        select(func.min(Conversation.created_at))
        .where(*waiting, Conversation.first_inbound_at.is_(None))
        .scalar_subquery()
    )
    resolved = [Conversation.resolved_at >= start, Conversation.resolved_at < end, *scoped]
    row = (
        await session.execute(
            select(
                _count(*waiting),
                type_coerce(oldest_inbound, UTCDateTime()),
                type_coerce(oldest_silent, UTCDateTime()),
                _count(is_open, *scoped),
                _count(*resolved),
            )
        )
    ).one()
    since = [t for t in (row[1], row[2]) if t is not None]
    return Snapshot(
        backlog=int(row[0]),
        oldest_waiting_since=min(since) if since else None,
        open=int(row[3]),
        resolved_in_range=int(row[4]),
    )
