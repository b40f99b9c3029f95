"""GET /api/dashboard over a crafted data set whose every figure is computed by hand."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from atende.conversations.models import Conversation, ConversationStatus
from atende.core.db import Database
from atende.core.types import utcnow
from atende.dashboard.models import VolumeSlot
from atende.dashboard.repository import slot_floor
from atende.messages.models import Direction
from atende.numbers.models import Number
from atende.teams.models import Team
from atende.users.models import Role, User
from tests.factories import Factory

SP_FROM = "2026-03-10T00:00:00-03:00"  # 03:00Z
SP_TO = "2026-03-10T06:00:00-03:00"  # 09:00Z


def at(hhmmss: str, day: str = "2026-03-10") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmmss}+00:00")


@dataclass
class Data:
    supervisor: User
    seller: User
    n1: Number
    n2: Number
    sales: Team
    support: Team


async def _conv(
    factory: Factory,
    *,
    number: Number,
    team: Team | None = None,
    assignee: User | None = None,
    status: ConversationStatus = ConversationStatus.OPEN,
    first_inbound: datetime | None,
    first_response: datetime | None = None,
    resolved: datetime | None = None,
    created: datetime | None = None,
) -> Conversation:
    conv = await factory.conversation(
        number=number,
        team=team,
        assignee=assignee,
        status=status,
        last_inbound_at=first_inbound,
        created_at=created or first_inbound,
    )
    conv.first_inbound_at = first_inbound
    conv.first_response_at = first_response
    conv.resolved_at = resolved
    return conv


async def _messages(
    factory: Factory, conv: Conversation, direction: Direction, *times: str
) -> None:
    for t in times:
        await factory.message(conversation=conv, direction=direction, at=at(t))


async def _data(factory: Factory) -> Data:
    sales = await factory.team(name="Sales")
    support = await factory.team(name="Support")
    supervisor = await factory.user(role=Role.SUPERVISOR)
    seller = await factory.user(teams=[sales])
    n1 = await factory.number()
    n2 = await factory.number()
    # A: answered after 3900 s.
    a = await _conv(
        factory,
        number=n1,
        team=sales,
        assignee=seller,
        first_inbound=at("03:05:00"),
        first_response=at("04:10:00"),
    )
    await _messages(factory, a, Direction.INBOUND, "03:05:00", "03:50:00", "05:59:59")
    await _messages(factory, a, Direction.OUTBOUND, "04:10:00")
    # B: answered after 15900 s, resolved in range; two inbound messages outside the range.
    b = await _conv(
        factory,
        number=n2,
        team=support,
        status=ConversationStatus.RESOLVED,
        first_inbound=at("03:20:00"),
        first_response=at("07:45:00"),
        resolved=at("07:50:00"),
    )
    await _messages(factory, b, Direction.INBOUND, "03:20:00", "09:00:00", "02:59:59")
    await _messages(factory, b, Direction.OUTBOUND, "07:45:00")
    # C: answered and resolved before the range.
    await _conv(
        factory,
        number=n1,
        status=ConversationStatus.RESOLVED,
        first_inbound=at("02:00:00"),
        first_response=at("02:30:00"),
        resolved=at("02:40:00"),
    )
    # D: answered after 30.5 s, then given back: in the backlog.
    await _conv(
        factory,
        number=n1,
        team=sales,
        first_inbound=at("05:00:00"),
        first_response=at("05:00:30.500000"),
    )
    # E: answered after 600 s.
    await _conv(
        factory,
        number=n2,
        team=sales,
        assignee=seller,
        first_inbound=at("06:00:00"),
        first_response=at("06:10:00"),
    )
    # F: no inbound yet (business-initiated), waiting since its creation: oldest backlog.
    await _conv(
        factory,
        number=n2,
        team=support,
        first_inbound=None,
        first_response=at("04:00:00"),
        created=at("01:00:00"),
    )
    # G: resolved in range, never answered.
    await _conv(
        factory,
        number=n1,
        team=support,
        status=ConversationStatus.RESOLVED,
        first_inbound=at("04:00:00"),
        resolved=at("05:30:00"),
    )
    await factory.commit()
    return Data(supervisor, seller, n1, n2, sales, support)


async def _dashboard(
    client: httpx.AsyncClient, factory: Factory, user: User, **params: Any
) -> httpx.Response:
    return await client.get("/api/dashboard", params=params, headers=factory.auth(user))


def _volume(body: dict[str, Any]) -> list[tuple[str, int, int]]:
    return [(h["hour"], h["inbound"], h["outbound"]) for h in body["volume_per_hour"]]


def _hours(*rows: tuple[int, int]) -> list[tuple[str, int, int]]:
    return [(f"2026-03-10T{h:02d}:00:00-03:00", i, o) for h, (i, o) in enumerate(rows)]


def _age(since: datetime) -> float:
    return (utcnow() - since).total_seconds()


async def test_every_figure_matches_the_hand_computed_values(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    data = await _data(factory)
    response = await _dashboard(client, factory, data.supervisor, **{"from": SP_FROM, "to": SP_TO})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["from"] == SP_FROM and body["to"] == SP_TO
    assert body["tz"] == "America/Sao_Paulo"
    assert _volume(body) == _hours((3, 0), (0, 1), (1, 0), (0, 0), (0, 1), (0, 0))
    # 30.5, 600, 3900, 15900 s.
    assert body["first_response"] == {
        "count": 4,
        "mean_seconds": 5107.625,
        "median_seconds": 2250.0,
        "p90_seconds": 12300.0,
    }
    assert body["backlog"]["count"] == 2
    assert body["backlog"]["oldest_waiting_seconds"] == pytest.approx(_age(at("01:00:00")), abs=5)
    assert body["open_conversations"] == 4
    assert body["resolved_conversations"] == 2


async def test_number_and_team_filters_apply_to_every_figure(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    data = await _data(factory)
    window = {"from": SP_FROM, "to": SP_TO}

    by_number = (
        await _dashboard(client, factory, data.supervisor, number_id=str(data.n1.id), **window)
    ).json()
    assert _volume(by_number) == _hours((2, 0), (0, 1), (1, 0), (0, 0), (0, 0), (0, 0))
    assert by_number["first_response"] == {
        "count": 2,
        "mean_seconds": 1965.25,
        "median_seconds": 1965.25,
        "p90_seconds": 3513.05,
    }
    assert by_number["backlog"]["count"] == 1
    assert by_number["backlog"]["oldest_waiting_seconds"] == pytest.approx(
        _age(at("05:00:00")), abs=5
    )
    assert (by_number["open_conversations"], by_number["resolved_conversations"]) == (2, 1)

    by_team = (
        await _dashboard(client, factory, data.supervisor, team_id=str(data.support.id), **window)
    ).json()
    assert _volume(by_team) == _hours((1, 0), (0, 0), (0, 0), (0, 0), (0, 1), (0, 0))
    assert by_team["first_response"] == {
        "count": 1,
        "mean_seconds": 15900.0,
        "median_seconds": 15900.0,
        "p90_seconds": 15900.0,
    }
    assert by_team["backlog"]["count"] == 1
    assert (by_team["open_conversations"], by_team["resolved_conversations"]) == (1, 2)


async def test_an_agent_sees_the_figures_of_what_they_may_open(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    data = await _data(factory)
    body = (await _dashboard(client, factory, data.seller, **{"from": SP_FROM, "to": SP_TO})).json()
    # Sales (A, D, E) and the team-less C; never Support's B, F, G.
    assert _volume(body) == _hours((2, 0), (0, 1), (1, 0), (0, 0), (0, 0), (0, 0))
    assert body["first_response"] == {
        "count": 3,
        "mean_seconds": 1510.167,
        "median_seconds": 600.0,
        "p90_seconds": 3240.0,
    }
    assert body["backlog"]["count"] == 1
    assert (body["open_conversations"], body["resolved_conversations"]) == (3, 0)


async def test_empty_range_gives_zeros_and_nulls(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    sup = await factory.user(role=Role.SUPERVISOR)
    await factory.commit()
    body = (await _dashboard(client, factory, sup)).json()
    # Default: the last 24 hours; the hour holding `from` is included, so 24 or 25 rows.
    assert len(body["volume_per_hour"]) in (24, 25)
    assert all(h["inbound"] == h["outbound"] == 0 for h in body["volume_per_hour"])
    assert body["first_response"] == {
        "count": 0,
        "mean_seconds": None,
        "median_seconds": None,
        "p90_seconds": None,
    }
    assert body["backlog"] == {"count": 0, "oldest_waiting_seconds": None}
    assert (body["open_conversations"], body["resolved_conversations"]) == (0, 0)


async def _volume_in(
    client: httpx.AsyncClient, factory: Factory, *, tz: str, start: str, end: str, times: list[str]
) -> list[tuple[str, int, int]]:
    sup = await factory.user(role=Role.SUPERVISOR)
    conv = await factory.conversation(number=await factory.number())
    for t in times:
        await factory.message(conversation=conv, at=datetime.fromisoformat(t))
    await factory.commit()
    response = await _dashboard(client, factory, sup, tz=tz, **{"from": start, "to": end})
    assert response.status_code == 200, response.text
    return _volume(response.json())


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


async def test_bad_parameters_are_422(client: httpx.AsyncClient, factory: Factory) -> None:
    sup = await factory.user(role=Role.SUPERVISOR)
    await factory.commit()
    cases = {
        "invalid_timezone": {"tz": "Mars/Olympus"},
        "invalid_range": {"from": SP_TO, "to": SP_FROM},
        "range_too_large": {"from": "2026-01-01T00:00:00Z", "to": "2026-04-03T00:00:01Z"},
    }
    for code, params in cases.items():
        response = await _dashboard(client, factory, sup, **params)
        assert response.status_code == 422, code
        assert response.json()["error"]["code"] == code
    ok = await _dashboard(
        client, factory, sup, **{"from": "2026-01-01T00:00:00Z", "to": "2026-04-03T00:00:00Z"}
    )
    assert ok.status_code == 200
    assert len(ok.json()["volume_per_hour"]) == 92 * 24
    assert datetime.fromisoformat(ok.json()["volume_per_hour"][0]["hour"]) == datetime(
        2026, 1, 1, tzinfo=UTC
    )


async def test_dashboard_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/dashboard")).status_code == 401


async def test_settled_slots_are_tallied_once_and_recounted_after_a_late_insert(
    client: httpx.AsyncClient, factory: Factory, db: Database
) -> None:
    sup = await factory.user(role=Role.SUPERVISOR)
    conv = await factory.conversation(number=await factory.number())
    await factory.message(conversation=conv, at=at("03:10:00"))
    await factory.commit()
    window = {"from": SP_FROM, "to": SP_TO}

    first = await _dashboard(client, factory, sup, **window)
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

    again = (await _dashboard(client, factory, sup, **window)).json()
    assert _volume(again) == _hours((2, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 1))


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
        body = (await _dashboard(client, factory, sup, **params)).json()
        assert sum(h["inbound"] for h in body["volume_per_hour"]) == 4
        first_hour = start.replace(minute=0, second=0, microsecond=0)
        assert len(body["volume_per_hour"]) == -(-(now - first_hour) // timedelta(hours=1))
