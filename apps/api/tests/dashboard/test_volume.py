"""Volume per local hour: DST days, odd offsets, and the cached 15-minute tally."""

import asyncio
from datetime import datetime, timedelta

import httpx
from sqlalchemy import func, select

from atende.core.db import Database
from atende.core.types import utcnow
from atende.dashboard.models import MessageVolume, VolumeSlot
from atende.dashboard.repository import slot_floor
from atende.messages.models import Direction
from atende.users.models import Role
from tests.dashboard.helpers import SP_FROM, SP_WINDOW, at, get_dashboard, sp_hours, volume
from tests.factories import Factory


async def _volume_in(
    client: httpx.AsyncClient, factory: Factory, *, tz: str, start: str, end: str, times: list[str]
) -> list[tuple[str, int, int]]:
    sup = await factory.user(role=Role.SUPERVISOR)
    conv = await factory.conversation(number=await factory.number())
    for t in times:
        await factory.message(conversation=conv, at=datetime.fromisoformat(t))
    await factory.commit()
    response = await get_dashboard(client, factory, sup, tz=tz, **{"from": start, "to": end})
    assert response.status_code == 200, response.text
    return volume(response.json())


async def test_new_york_spring_forward_skips_the_missing_hour(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    volume = await _volume_in(
        client,
        factory,
        tz="America/New_York",
        start="2026-03-08T00:00:00-05:00",
        end="2026-03-08T05:00:00-04:00",
        times=["2026-03-08T06:30:00+00:00", "2026-03-08T07:10:00+00:00"],
    )
    assert volume == [
        ("2026-03-08T00:00:00-05:00", 0, 0),
        ("2026-03-08T01:00:00-05:00", 1, 0),
        ("2026-03-08T03:00:00-04:00", 1, 0),
        ("2026-03-08T04:00:00-04:00", 0, 0),
    ]


async def test_new_york_fall_back_repeats_an_hour(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    volume = await _volume_in(
        client,
        factory,
        tz="America/New_York",
        start="2026-11-01T00:00:00-04:00",
        end="2026-11-01T03:00:00-05:00",
        times=["2026-11-01T05:30:00+00:00", "2026-11-01T06:30:00+00:00", "2026-11-01T06:45:00Z"],
    )
    assert volume == [
        ("2026-11-01T00:00:00-04:00", 0, 0),
        ("2026-11-01T01:00:00-04:00", 1, 0),
        ("2026-11-01T01:00:00-05:00", 2, 0),
        ("2026-11-01T02:00:00-05:00", 0, 0),
    ]


async def test_sao_paulo_midnight_dst_start_skips_midnight(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    # Brazil's DST (until 2019) began at midnight: 2018-11-04 went from 23:59 to 01:00.
    volume = await _volume_in(
        client,
        factory,
        tz="America/Sao_Paulo",
        start="2018-11-03T22:00:00-03:00",
        end="2018-11-04T03:00:00-02:00",
        times=["2018-11-04T02:59:59+00:00", "2018-11-04T03:00:00+00:00"],
    )
    assert volume == [
        ("2018-11-03T22:00:00-03:00", 0, 0),
        ("2018-11-03T23:00:00-03:00", 1, 0),
        ("2018-11-04T01:00:00-02:00", 1, 0),
        ("2018-11-04T02:00:00-02:00", 0, 0),
    ]


async def test_sao_paulo_dst_end_repeats_the_eleven_oclock_hour(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    # 2019-02-17 00:00 -02 became 2019-02-16 23:00 -03.
    volume = await _volume_in(
        client,
        factory,
        tz="America/Sao_Paulo",
        start="2019-02-16T22:30:00-02:00",
        end="2019-02-17T00:00:00-03:00",
        times=["2019-02-17T01:10:00+00:00", "2019-02-17T02:10:00+00:00"],
    )
    assert volume == [
        ("2019-02-16T22:00:00-02:00", 0, 0),
        ("2019-02-16T23:00:00-02:00", 1, 0),
        ("2019-02-16T23:00:00-03:00", 1, 0),
    ]


async def test_half_hour_offsets_bucket_by_local_hour(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    volume = await _volume_in(
        client,
        factory,
        tz="Asia/Kolkata",
        start="2026-03-10T08:00:00+05:30",
        end="2026-03-10T10:00:00+05:30",
        times=["2026-03-10T03:20:00+00:00", "2026-03-10T03:35:00+00:00"],
    )
    assert volume == [
        ("2026-03-10T08:00:00+05:30", 1, 0),
        ("2026-03-10T09:00:00+05:30", 1, 0),
    ]


async def test_settled_slots_are_tallied_once_and_recounted_after_a_late_insert(
    client: httpx.AsyncClient, factory: Factory, db: Database
) -> None:
    sup = await factory.user(role=Role.SUPERVISOR)
    conv = await factory.conversation(number=await factory.number())
    await factory.message(conversation=conv, at=at("03:10:00"))
    await factory.commit()

    first = await get_dashboard(client, factory, sup, **SP_WINDOW)
    assert sum(h["inbound"] for h in first.json()["volume_per_hour"]) == 1
    async with db.session() as s:
        tallied = set(await s.scalars(select(VolumeSlot.slot)))
    start = datetime.fromisoformat(SP_FROM)
    assert tallied == {slot_floor(start) + n for n in range(24)}  # 6 hours of 15 minutes

    # A message stored later inside a tallied slot (an import, a late delivery) drops that
    # slot's tally, which the next dashboard counts again.
    await factory.message(conversation=conv, at=at("03:20:00"))
    await factory.message(conversation=conv, direction=Direction.OUTBOUND, at=at("08:59:59"))
    await factory.commit()
    async with db.session() as s:
        left = set(await s.scalars(select(VolumeSlot.slot)))
    assert tallied - left == {slot_floor(at("03:20:00")), slot_floor(at("08:59:59"))}

    again = (await get_dashboard(client, factory, sup, **SP_WINDOW)).json()
    assert volume(again) == sp_hours((2, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 1))


async def test_recent_and_partial_slots_are_counted_exactly(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    sup = await factory.user(role=Role.SUPERVISOR)
    conv = await factory.conversation(number=await factory.number())
    now = utcnow()
    start = now - timedelta(hours=3, minutes=7)
    # Just before `from` (same 15-minute slot as `from`), then inside the range: at the
    # partial first slot, in settled slots, and in the last minutes.
    for offset in (
        timedelta(minutes=-1),
        timedelta(minutes=1),
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=3, minutes=5),
    ):
        await factory.message(conversation=conv, at=start + offset)
    await factory.commit()
    params = {"from": start.isoformat(), "to": now.isoformat(), "tz": "UTC"}

    for _ in range(2):  # tallies the settled slots, then reads them back
        body = (await get_dashboard(client, factory, sup, **params)).json()
        assert sum(h["inbound"] for h in body["volume_per_hour"]) == 4
        first_hour = start.replace(minute=0, second=0, microsecond=0)
        assert len(body["volume_per_hour"]) == -(-(now - first_hour) // timedelta(hours=1))


async def test_concurrent_dashboards_tally_each_slot_once(
    client: httpx.AsyncClient, factory: Factory, db: Database
) -> None:
    sup = await factory.user(role=Role.SUPERVISOR)
    conv = await factory.conversation(number=await factory.number())
    for t in ("03:10:00", "04:20:00", "06:30:00", "08:45:00"):
        await factory.message(conversation=conv, at=at(t))
    await factory.commit()

    responses = await asyncio.gather(
        *(get_dashboard(client, factory, sup, **SP_WINDOW) for _ in range(4))
    )

    for response in responses:
        assert response.status_code == 200, response.text
        assert sum(h["inbound"] for h in response.json()["volume_per_hour"]) == 4
    async with db.session() as s:
        tallied = await s.scalar(select(func.sum(MessageVolume.count)))
        slots = await s.scalar(select(func.count()).select_from(VolumeSlot))
    assert (tallied, slots) == (4, 24)
