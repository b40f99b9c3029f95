import uuid

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atende.auth.models import RefreshToken
from atende.core.security import verify_password
from atende.messages.models import Direction, Message
from atende.teams.models import TeamMember
from atende.users.models import Role, User
from tests.factories import DEFAULT_PASSWORD, Factory

STRONG = "Str0ng-enough-pass"


async def _admin(factory: Factory) -> dict[str, str]:
    admin = await factory.user(role=Role.ADMIN, name="Admin")
    await factory.commit()
    return factory.auth(admin)


async def _login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": password})


async def test_create_user_stores_lowercased_email_hash_and_teams(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _admin(factory)
    sales = await factory.team(name="Vendas")
    support = await factory.team(name="Suporte")
    await factory.commit()

    response = await client.post(
        "/api/users",
        headers=headers,
        json={
            "email": "  Maria.Silva@Example.COM ",
            "name": "Maria Silva",
            "password": STRONG,
            "role": "AGENT",
            "team_ids": [str(support.id), str(sales.id), str(sales.id)],
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "maria.silva@example.com"
    assert body["name"] == "Maria Silva"
    assert body["role"] == "AGENT"
    assert body["is_active"] is True
    assert body["teams"] == [
        {"id": str(support.id), "name": "Suporte"},
        {"id": str(sales.id), "name": "Vendas"},
    ]
    assert body["created_at"]
    assert "password" not in response.text and "hash" not in response.text
    row = await session.get(User, uuid.UUID(body["id"]))
    assert row is not None
    assert row.password_hash != STRONG and verify_password(STRONG, row.password_hash)
    members = await session.scalar(
        select(func.count()).select_from(TeamMember).where(TeamMember.user_id == row.id)
    )
    assert members == 2
    login = await _login(client, "MARIA.SILVA@example.com", STRONG)
    assert login.status_code == 200


async def test_create_user_rejects_email_taken_in_any_case(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _admin(factory)
    await factory.user(email="joao@example.com")
    await factory.commit()

    response = await client.post(
        "/api/users",
        headers=headers,
        json={"email": "JOAO@Example.com", "name": "Outro", "password": STRONG, "role": "AGENT"},
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"
    assert await session.scalar(select(func.count()).select_from(User)) == 2


@pytest.mark.parametrize(
    "password", ["short1A!", "abcdefghijkl", "1234567890123", "aaaaaaaaaa11", "ababab1111"]
)
async def test_create_user_rejects_weak_password(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession, password: str
) -> None:
    headers = await _admin(factory)

    response = await client.post(
        "/api/users",
        headers=headers,
        json={"email": "weak@example.com", "name": "Weak", "password": password, "role": "AGENT"},
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "weak_password"
    assert await session.scalar(select(User).where(User.email == "weak@example.com")) is None


async def test_long_passphrase_is_accepted(client: httpx.AsyncClient, factory: Factory) -> None:
    headers = await _admin(factory)
    response = await client.post(
        "/api/users",
        headers=headers,
        json={
            "email": "phrase@example.com",
            "name": "Phrase",
            "password": "correcthorsebatterystaple",
            "role": "SUPERVISOR",
        },
    )
    assert response.status_code == 201
    assert response.json()["role"] == "SUPERVISOR"


async def test_create_user_with_unknown_team_writes_nothing(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _admin(factory)
    missing = uuid.uuid4()

    response = await client.post(
        "/api/users",
        headers=headers,
        json={
            "email": "x@example.com",
            "name": "X",
            "password": STRONG,
            "role": "AGENT",
            "team_ids": [str(missing)],
        },
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_team"
    assert str(missing) in response.json()["error"]["message"]
    assert await session.scalar(select(User).where(User.email == "x@example.com")) is None


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "name": "A", "password": STRONG, "role": "AGENT"},
        {"email": "a@example.com", "name": "  ", "password": STRONG, "role": "AGENT"},
        {"email": "a@example.com", "name": "A", "password": STRONG, "role": "OWNER"},
        {"email": "a@example.com", "name": "A", "role": "AGENT"},
    ],
)
async def test_create_user_validates_body(
    client: httpx.AsyncClient, factory: Factory, body: dict[str, str]
) -> None:
    headers = await _admin(factory)
    response = await client.post("/api/users", headers=headers, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


async def test_list_users_pages_by_name_and_searches(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    headers = await _admin(factory)
    team = await factory.team(name="Plantão")
    for name in ["bruna", "Carla", "Davi", "Elisa", "Fábio"]:
        await factory.user(name=name, email=f"{name.lower()}@corp.example", teams=[team])
    await factory.commit()

    names: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await client.get("/api/users", headers=headers, params=params)
        assert response.status_code == 200
        body = response.json()
        assert len(body["items"]) <= 2
        names += [u["name"] for u in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert names == ["Admin", "bruna", "Carla", "Davi", "Elisa", "Fábio"]
    assert pages == 3

    by_name = await client.get("/api/users", headers=headers, params={"q": "ARL"})
    assert [u["name"] for u in by_name.json()["items"]] == ["Carla"]
    by_email = await client.get("/api/users", headers=headers, params={"q": "davi@corp"})
    assert [u["name"] for u in by_email.json()["items"]] == ["Davi"]
    in_team = await client.get("/api/users", headers=headers, params={"team_id": str(team.id)})
    assert len(in_team.json()["items"]) == 5
    admins = await client.get("/api/users", headers=headers, params={"role": "ADMIN"})
    assert [u["name"] for u in admins.json()["items"]] == ["Admin"]


async def test_search_treats_wildcards_literally(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    headers = await _admin(factory)
    await factory.user(name="100% Vendas")
    await factory.user(name="Outro")
    await factory.commit()
    response = await client.get("/api/users", headers=headers, params={"q": "%"})
    assert [u["name"] for u in response.json()["items"]] == ["100% Vendas"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"cursor": "not-a-cursor"}, "invalid_cursor"),
        ({"cursor": "WyJ4Il0"}, "invalid_cursor"),
        ({"limit": 201}, "invalid_input"),
        ({"limit": 0}, "invalid_input"),
    ],
)
async def test_list_users_rejects_bad_paging(
    client: httpx.AsyncClient, factory: Factory, params: dict[str, str | int], code: str
) -> None:
    headers = await _admin(factory)
    response = await client.get("/api/users", headers=headers, params=params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


async def test_get_unknown_user_is_404(client: httpx.AsyncClient, factory: Factory) -> None:
    headers = await _admin(factory)
    response = await client.get(f"/api/users/{uuid.uuid4()}", headers=headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "user_not_found"


async def test_patch_updates_name_role_teams_and_password(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _admin(factory)
    old_team = await factory.team(name="Antigo")
    new_team = await factory.team(name="Novo")
    user = await factory.user(email="lia@example.com", teams=[old_team])
    await factory.commit()
    logged_in = (await _login(client, "lia@example.com", DEFAULT_PASSWORD)).json()

    response = await client.patch(
        f"/api/users/{user.id}",
        headers=headers,
        json={
            "name": "Lia Souza",
            "role": "SUPERVISOR",
            "team_ids": [str(new_team.id)],
            "password": STRONG,
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Lia Souza"
    assert body["role"] == "SUPERVISOR"
    assert body["teams"] == [{"id": str(new_team.id), "name": "Novo"}]
    assert (await _login(client, "lia@example.com", DEFAULT_PASSWORD)).status_code == 401
    assert (await _login(client, "lia@example.com", STRONG)).status_code == 200
    # The old session ended with the old password.
    refreshed = await client.post(
        "/api/auth/refresh", json={"refresh_token": logged_in["refresh_token"]}
    )
    assert refreshed.status_code == 401


async def test_patch_rejects_weak_password(client: httpx.AsyncClient, factory: Factory) -> None:
    headers = await _admin(factory)
    user = await factory.user()
    await factory.commit()
    response = await client.patch(
        f"/api/users/{user.id}", headers=headers, json={"password": "short"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "weak_password"


async def test_admin_cannot_deactivate_or_demote_themselves(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    admin = await factory.user(role=Role.ADMIN)
    await factory.commit()
    headers = factory.auth(admin)

    deleted = await client.delete(f"/api/users/{admin.id}", headers=headers)
    patched_off = await client.patch(
        f"/api/users/{admin.id}", headers=headers, json={"is_active": False}
    )
    demoted = await client.patch(
        f"/api/users/{admin.id}", headers=headers, json={"role": "SUPERVISOR"}
    )

    assert deleted.status_code == patched_off.status_code == demoted.status_code == 422
    assert deleted.json()["error"]["code"] == "cannot_deactivate_self"
    assert patched_off.json()["error"]["code"] == "cannot_deactivate_self"
    assert demoted.json()["error"]["code"] == "cannot_demote_self"
    await session.refresh(admin)
    assert admin.is_active is True and admin.role == Role.ADMIN
    renamed = await client.patch(f"/api/users/{admin.id}", headers=headers, json={"name": "Eu"})
    assert renamed.status_code == 200


async def test_delete_deactivates_and_ends_every_session(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _admin(factory)
    agent = await factory.user(email="saiu@example.com")
    number = await factory.number()
    conversation = await factory.conversation(number=number, assignee=agent)
    message = await factory.message(
        conversation=conversation, direction=Direction.OUTBOUND, sender=agent
    )
    await factory.commit()
    tokens = (await _login(client, "saiu@example.com", DEFAULT_PASSWORD)).json()
    agent_auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await client.get("/api/auth/me", headers=agent_auth)).status_code == 200

    response = await client.delete(f"/api/users/{agent.id}", headers=headers)

    assert response.status_code == 204
    assert response.content == b""
    await session.refresh(agent)
    assert agent.is_active is False
    # History keeps its author.
    row = await session.get(Message, message.id, populate_existing=True)
    assert row is not None and row.sender_id == agent.id
    me = await client.get("/api/auth/me", headers=agent_auth)
    assert me.status_code == 401
    refreshed = await client.post(
        "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
    assert (await _login(client, "saiu@example.com", DEFAULT_PASSWORD)).status_code == 401
    live = await session.scalar(
        select(func.count())
        .select_from(RefreshToken)
        .where(RefreshToken.user_id == agent.id, RefreshToken.revoked_at.is_(None))
    )
    assert live == 0
    listed = await client.get("/api/users", headers=headers, params={"is_active": "false"})
    assert [u["id"] for u in listed.json()["items"]] == [str(agent.id)]


async def test_reactivated_user_can_log_in_again(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    headers = await _admin(factory)
    user = await factory.user(email="volta@example.com", is_active=False)
    await factory.commit()
    response = await client.patch(
        f"/api/users/{user.id}", headers=headers, json={"is_active": True}
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is True
    assert (await _login(client, "volta@example.com", DEFAULT_PASSWORD)).status_code == 200
