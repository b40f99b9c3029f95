"""The live dashboard: volume per local hour, first response time, backlog.

Scope: ADMIN and SUPERVISOR see every conversation; an AGENT sees the figures of their
teams' conversations and the team-less ones. Messages count for a number/team through
their conversation (its team when the hour was tallied).
"""

import uuid
from bisect import bisect_right
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from atende.core.db import commit
from atende.core.deps import Principal
from atende.core.types import utcnow
from atende.dashboard import repository
from atende.dashboard.exceptions import InvalidRange, InvalidTimeZone, RangeTooLarge
from atende.dashboard.schemas import Backlog, DashboardRead, FirstResponse, HourVolume
from atende.messages.models import Direction

DEFAULT_RANGE = timedelta(hours=24)
MAX_RANGE = timedelta(days=92)
_QUARTER = timedelta(minutes=15)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
OUT_OF_RANGE = "`from` and `to` must lie between the years 2000 and 2100"
# Slots older than this are tallied once and cached; a transaction never stays open that long,
# so no message can still arrive in them (and a backdated insert invalidates its slot).
SETTLE = timedelta(minutes=30)


def parse_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise InvalidTimeZone(f"Unknown time zone: {name!r}") from e


def _aware(value: datetime, tz: ZoneInfo) -> datetime:
    # A time without an offset is read as wall-clock time in the viewer's zone.
    return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(UTC)


def resolve_range(
    start: datetime | None, end: datetime | None, *, tz: ZoneInfo, now: datetime
) -> tuple[datetime, datetime]:
    try:
        end_utc = _aware(end, tz) if end else now
        start_utc = _aware(start, tz) if start else end_utc - DEFAULT_RANGE
    except OverflowError as e:
        raise InvalidRange(OUT_OF_RANGE) from e
    # Converting instants near datetime's own limits between zones would overflow (a 500).
    if start_utc < EARLIEST or end_utc > LATEST:
        raise InvalidRange(OUT_OF_RANGE)
    if start_utc >= end_utc:
        raise InvalidRange("`from` must be before `to`")
    if end_utc - start_utc > MAX_RANGE:
        raise RangeTooLarge(f"The range may span at most {MAX_RANGE.days} days")
    return start_utc, end_utc


def local_hour_starts(start: datetime, end: datetime, tz: ZoneInfo) -> list[datetime]:
    """UTC instants where a local hour begins, from the hour holding `start` until `end`.

    Stepping real time (UTC) and keeping the instants whose local minute is 0 gives a
    repeated hour twice on a fall-back day and no hour that does not exist on a spring-forward
    day, whatever the zone's offset.
    """
    local = start.astimezone(tz)
    first = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    return [t for t in _quarters(first, end) if t.astimezone(tz).minute == 0]


def _quarters(first: datetime, end: datetime) -> Iterator[datetime]:
    t = first
    while t < end:
        yield t
        t += _QUARTER


def _scope(
    user: Principal, *, number_id: uuid.UUID | None, team_id: uuid.UUID | None
) -> repository.Scope:
    # Agents: their teams' and team-less conversations (the teams' own dashboard); message
    # volume is tallied per team, so per-assignee visibility could not be applied to it.
    team_ids = None if user.sees_everything else user.team_ids
    return repository.Scope(number_id=number_id, team_id=team_id, team_ids=team_ids)


async def _volume(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    scope: repository.Scope,
    now: datetime,
) -> list[repository.SlotCount]:
    """Whole settled slots come from the tally (counted once, then cached); the partial slots
    at the edges and the recent, still-moving ones are counted from `messages`."""
    first = repository.slot_ceil(start)
    last = min(repository.slot_floor(end), repository.slot_floor(now - SETTLE))
    if first >= last:
        return await repository.count_messages(session, start=start, end=end, scope=scope)
    if await repository.tally_slots(session, first=first, last=last, now=now):
        await commit(session)
    counts = await repository.read_tally(session, first=first, last=last, scope=scope)
    for edge_start, edge_end in (
        (start, repository.slot_start(first)),
        (repository.slot_start(last), end),
    ):
        if edge_start < edge_end:
            counts += await repository.count_messages(
                session, start=edge_start, end=edge_end, scope=scope
            )
    return counts


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


async def get_dashboard(
    session: AsyncSession,
    *,
    user: Principal,
    start: datetime | None,
    end: datetime | None,
    tz_name: str,
    number_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
) -> DashboardRead:
    tz = parse_timezone(tz_name)
    now = utcnow()
    start_utc, end_utc = resolve_range(start, end, tz=tz, now=now)
    scope = _scope(user, number_id=number_id, team_id=team_id)

    hours = local_hour_starts(start_utc, end_utc, tz)
    inbound = [0] * len(hours)
    outbound = [0] * len(hours)
    for slot in await _volume(session, start=start_utc, end=end_utc, scope=scope, now=now):
        index = bisect_right(hours, slot.start) - 1
        counts = inbound if slot.direction == Direction.INBOUND else outbound
        counts[index] += slot.count

    stats = await repository.first_response_stats(
        session, start=start_utc, end=end_utc, scope=scope
    )
    snap = await repository.snapshot(session, start=start_utc, end=end_utc, scope=scope)
    oldest = snap.oldest_waiting_since
    return DashboardRead(
        from_=start_utc.astimezone(tz),
        to=end_utc.astimezone(tz),
        tz=tz.key,
        volume_per_hour=[
            HourVolume(hour=h.astimezone(tz), inbound=i, outbound=o)
            for h, i, o in zip(hours, inbound, outbound, strict=True)
        ],
        first_response=FirstResponse(
            count=stats.count,
            mean_seconds=_round(stats.mean),
            median_seconds=_round(stats.median),
            p90_seconds=_round(stats.p90),
        ),
        backlog=Backlog(
            count=snap.backlog,
            oldest_waiting_seconds=(
                _round((now - oldest).total_seconds()) if oldest is not None else None
            ),
        ),
        open_conversations=snap.open,
        resolved_conversations=snap.resolved_in_range,
    )
