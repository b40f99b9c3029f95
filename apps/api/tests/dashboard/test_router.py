"""GET /api/dashboard over a crafted data set whose every figure is computed by hand."""

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from atende.conversations.models import Conversation, ConversationStatus
from atende.messages.models import Direction
from atende.numbers.models import Number
from atende.teams.models import Team
from atende.users.models import Role, User
from tests.dashboard.helpers import (
    SP_FROM,
    SP_TO,
    SP_WINDOW,
    age,
    at,
    get_dashboard,
    sp_hours,
    volume,
)
from tests.factories import Factory


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


async def test_every_figure_matches_the_hand_computed_values(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    data = await _data(factory)
    response = await get_dashboard(client, factory, data.supervisor, **SP_WINDOW)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["from"] == SP_FROM and body["to"] == SP_TO
    assert body["tz"] == "America/Sao_Paulo"
    assert volume(body) == sp_hours((3, 0), (0, 1), (1, 0), (0, 0), (0, 1), (0, 0))
    # 30.5, 600, 3900, 15900 s.
    assert body["first_response"] == {
        "count": 4,
        "mean_seconds": 5107.625,
        "median_seconds": 2250.0,
        "p90_seconds": 12300.0,
    }
    assert body["backlog"]["count"] == 2
    assert body["backlog"]["oldest_waiting_seconds"] == pytest.approx(age(at("01:00:00")), abs=5)
    assert body["open_conversations"] == 4
    assert body["resolved_conversations"] == 2


async def test_number_and_team_filters_apply_to_every_figure(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    data = await _data(factory)

    by_number = (
        await get_dashboard(
            client, factory, data.supervisor, number_id=str(data.n1.id), **SP_WINDOW
        )
    ).json()
    assert volume(by_number) == sp_hours((2, 0), (0, 1), (1, 0), (0, 0), (0, 0), (0, 0))
    assert by_number["first_response"] == {
        "count": 2,
        "mean_seconds": 1965.25,
        "median_seconds": 1965.25,
        "p90_seconds": 3513.05,
    }
    assert by_number["backlog"]["count"] == 1
    assert by_number["backlog"]["oldest_waiting_seconds"] == pytest.approx(
        age(at("05:00:00")), abs=5
    )
    assert (by_number["open_conversations"], by_number["resolved_conversations"]) == (2, 1)

    by_team = (
        await get_dashboard(
            client, factory, data.supervisor, team_id=str(data.support.id), **SP_WINDOW
        )
    ).json()
    assert volume(by_team) == sp_hours((1, 0), (0, 0), (0, 0), (0, 0), (0, 1), (0, 0))
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
    body = (await get_dashboard(client, factory, data.seller, **SP_WINDOW)).json()
    # Sales (A, D, E) and the team-less C; never Support's B, F, G.
    assert volume(body) == sp_hours((2, 0), (0, 1), (1, 0), (0, 0), (0, 0), (0, 0))
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
    body = (await get_dashboard(client, factory, sup)).json()
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


async def test_bad_parameters_are_422(client: httpx.AsyncClient, factory: Factory) -> None:
    sup = await factory.user(role=Role.SUPERVISOR)
    await factory.commit()
    cases = {
        "invalid_timezone": {"tz": "Mars/Olympus"},
        "invalid_range": {"from": SP_TO, "to": SP_FROM},
        "range_too_large": {"from": "2026-01-01T00:00:00Z", "to": "2026-04-03T00:00:01Z"},
    }
    for code, params in cases.items():
        response = await get_dashboard(client, factory, sup, **params)
        assert response.status_code == 422, code
        assert response.json()["error"]["code"] == code
    ok = await get_dashboard(
        client, factory, sup, **{"from": "2026-01-01T00:00:00Z", "to": "2026-04-03T00:00:00Z"}
    )
    assert ok.status_code == 200
    assert len(ok.json()["volume_per_hour"]) == 92 * 24
    assert datetime.fromisoformat(ok.json()["volume_per_hour"][0]["hour"]) == datetime(
        2026, 1, 1, tzinfo=UTC
    )


async def test_dashboard_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/dashboard")).status_code == 401
