import logging
import uuid

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atende.core.config import Settings
from atende.numbers.models import Number
from atende.numbers.service import access_token_for
from atende.users.models import Role
from tests.factories import Factory

TOKEN = "EAAG-very-secret-number-token-123"


async def _admin(factory: Factory) -> dict[str, str]:
    admin = await factory.user(role=Role.ADMIN)
    await factory.commit()
    return factory.auth(admin)


def _body(**overrides: object) -> dict[str, object]:
    return {
        "phone_number_id": "209988776655443",
        "display_phone_number": "+1 555-777-0100",
        "label": "Vendas SP",
        **overrides,
    }


async def test_create_number_encrypts_token_and_never_returns_it(
    client: httpx.AsyncClient,
    factory: Factory,
    session: AsyncSession,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = await _admin(factory)
    team = await factory.team(name="Vendas")
    await factory.commit()

    response = await client.post(
        "/api/numbers",
        headers=headers,
        json=_body(
            waba_id="102290129340398",
            access_token=TOKEN,
            default_team_id=str(team.id),
            send_rate_per_second=20,
        ),
    )

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "phone_number_id": "209988776655443",
        "display_phone_number": "15557770100",
        "label": "Vendas SP",
        "waba_id": "102290129340398",
        "default_team": {"id": str(team.id), "name": "Vendas"},
        "simulated": False,
        "is_active": True,
        "has_access_token": True,
        "send_rate_per_second": 20.0,
        "created_at": body["created_at"],
    }
    assert TOKEN not in response.text
    assert TOKEN not in caplog.text
    row = await session.get(Number, uuid.UUID(body["id"]))
    assert row is not None and row.access_token_encrypted is not None
    assert TOKEN not in row.access_token_encrypted
    secret = settings.resolved_jwt_secret()
    assert access_token_for(row, secret=secret, default="global") == TOKEN
    listed = await client.get("/api/numbers", headers=headers)
    fetched = await client.get(f"/api/numbers/{row.id}", headers=headers)
    assert TOKEN not in listed.text and TOKEN not in fetched.text
    assert fetched.json() == body


async def test_number_without_token_uses_the_global_one(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _admin(factory)
    response = await client.post("/api/numbers", headers=headers, json=_body(simulated=True))
    assert response.status_code == 201
    assert response.json()["has_access_token"] is False
    assert response.json()["simulated"] is True
    assert response.json()["default_team"] is None
    row = await session.get(Number, uuid.UUID(response.json()["id"]))
    assert row is not None
    assert access_token_for(row, secret="x", default="global") == "global"


async def test_phone_number_id_is_unique(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _admin(factory)
    await factory.number(phone_number_id="209988776655443")
    await factory.commit()

    response = await client.post("/api/numbers", headers=headers, json=_body())

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "phone_number_id_taken"
    assert await session.scalar(select(func.count()).select_from(Number)) == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"phone_number_id": "2099-8877"},
        {"phone_number_id": ""},
        {"display_phone_number": "call me"},
        {"display_phone_number": "++15557770100"},
        {"label": " "},
        {"waba_id": "abc"},
        {"send_rate_per_second": 0},
    ],
)
async def test_create_number_validates_fields(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession, overrides: dict[str, str]
) -> None:
    headers = await _admin(factory)
    response = await client.post("/api/numbers", headers=headers, json=_body(**overrides))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert await session.scalar(select(func.count()).select_from(Number)) == 0


async def test_unknown_default_team_is_422(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _admin(factory)
    response = await client.post(
        "/api/numbers", headers=headers, json=_body(default_team_id=str(uuid.uuid4()))
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_team"
    assert await session.scalar(select(func.count()).select_from(Number)) == 0


async def test_patch_number_changes_only_what_is_sent(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession, settings: Settings
) -> None:
    headers = await _admin(factory)
    team = await factory.team()
    number = await factory.number(access_token="old-token", default_team=team, label="Antigo")
    await factory.commit()

    relabelled = await client.patch(
        f"/api/numbers/{number.id}", headers=headers, json={"label": "Novo"}
    )
    assert relabelled.status_code == 200
    assert relabelled.json()["label"] == "Novo"
    assert relabelled.json()["has_access_token"] is True
    assert relabelled.json()["default_team"] == {"id": str(team.id), "name": team.name}

    rotated = await client.patch(
        f"/api/numbers/{number.id}", headers=headers, json={"access_token": "new-token"}
    )
    assert rotated.status_code == 200
    await session.refresh(number)
    secret = settings.resolved_jwt_secret()
    assert access_token_for(number, secret=secret, default="global") == "new-token"

    cleared = await client.patch(
        f"/api/numbers/{number.id}",
        headers=headers,
        json={"access_token": None, "default_team_id": None, "send_rate_per_second": 5},
    )
    assert cleared.status_code == 200
    assert cleared.json()["has_access_token"] is False
    assert cleared.json()["default_team"] is None
    assert cleared.json()["send_rate_per_second"] == 5.0
    await session.refresh(number)
    assert number.access_token_encrypted is None
    assert number.label == "Novo"


async def test_delete_deactivates_the_number(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _admin(factory)
    number = await factory.number()
    conversation = await factory.conversation(number=number)
    await factory.commit()

    response = await client.delete(f"/api/numbers/{number.id}", headers=headers)

    assert response.status_code == 204
    await session.refresh(number)
    assert number.is_active is False
    await session.refresh(conversation)
    assert conversation.number_id == number.id
    fetched = await client.get(f"/api/numbers/{number.id}", headers=headers)
    assert fetched.json()["is_active"] is False
    active = await client.get("/api/numbers", headers=headers, params={"is_active": "true"})
    assert active.json()["items"] == []


async def test_unknown_number_is_404(client: httpx.AsyncClient, factory: Factory) -> None:
    headers = await _admin(factory)
    for method in ("GET", "PATCH", "DELETE"):
        response = await client.request(
            method, f"/api/numbers/{uuid.uuid4()}", headers=headers, json={}
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "number_not_found"


async def test_list_numbers_pages_by_label(client: httpx.AsyncClient, factory: Factory) -> None:
    agent = await factory.user()
    for label in ["Recife", "bahia", "Curitiba"]:
        await factory.number(label=label)
    await factory.commit()
    headers = factory.auth(agent)

    first = await client.get("/api/numbers", headers=headers, params={"limit": 2})
    second = await client.get(
        "/api/numbers", headers=headers, params={"limit": 2, "cursor": first.json()["next_cursor"]}
    )

    labels = [n["label"] for n in first.json()["items"] + second.json()["items"]]
    assert labels == ["bahia", "Curitiba", "Recife"]
    assert second.json()["next_cursor"] is None
