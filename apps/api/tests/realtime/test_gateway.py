"""Connecting to the socket.io gateway: token checks, rooms, expiry, CORS."""

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import delete

from atende.core.config import Settings
from atende.core.db import Database
from atende.core.security import create_access_token
from atende.core.types import utcnow
from atende.realtime.events import AUTH_EXPIRED
from atende.teams.models import TeamMember
from atende.users.models import Role
from tests.factories import Factory
from tests.realtime.conftest import Connect, LiveServer, live_server, refusal

WEB_ORIGIN = "https://inbox.example.com"


async def test_connect_without_token_is_refused_as_unauthorized(server: LiveServer) -> None:
    assert (await refusal(server.base_url, None))["message"] == "unauthorized"
    assert (await refusal(server.base_url, {"token": ""}))["message"] == "unauthorized"


async def test_connect_with_forged_token_is_refused_as_unauthorized(
    server: LiveServer, factory: Factory
) -> None:
    user = await factory.user()
    await factory.commit()
    forged = create_access_token(
        secret="another-secret-of-sufficient-length-0123456789",
        user_id=user.id,
        role=user.role,
        minutes=15,
    )
    assert (await refusal(server.base_url, {"token": forged}))["message"] == "unauthorized"


async def test_connect_with_expired_token_is_refused_as_token_expired(
    server: LiveServer, factory: Factory
) -> None:
    user = await factory.user()
    await factory.commit()
    expired = create_access_token(
        secret=factory.settings.resolved_jwt_secret(),
        user_id=user.id,
        role=user.role,
        minutes=15,
        now=utcnow() - timedelta(minutes=16),
    )
    assert (await refusal(server.base_url, {"token": expired}))["message"] == "token_expired"


async def test_connect_of_deactivated_user_is_refused(server: LiveServer, factory: Factory) -> None:
    user = await factory.user(is_active=False)
    await factory.commit()
    data = await refusal(server.base_url, {"token": factory.token_for(user)})
    assert data["message"] == "unauthorized"


async def test_socket_joins_its_user_team_and_role_rooms(
    server: LiveServer, factory: Factory, connect: Connect
) -> None:
    sales, support = await factory.team(), await factory.team()
    agent = await factory.user(role=Role.AGENT, teams=[sales, support])
    await factory.commit()

    client = await connect(server.base_url, factory.token_for(agent))

    rooms = set(server.gateway.sio.rooms(client.sid))
    assert rooms - {client.sid} == {
        f"user:{agent.id}",
        f"team:{sales.id}",
        f"team:{support.id}",
        "role:AGENT",
    }


async def test_rooms_follow_team_changes_on_reconnect(
    server: LiveServer, factory: Factory, connect: Connect
) -> None:
    old, new = await factory.team(), await factory.team()
    agent = await factory.user(teams=[old])
    await factory.commit()
    first = await connect(server.base_url, factory.token_for(agent))
    await first.sio.disconnect()

    await factory.session.execute(delete(TeamMember).where(TeamMember.user_id == agent.id))
    factory.session.add(TeamMember(team_id=new.id, user_id=agent.id))
    await factory.commit()
    second = await connect(server.base_url, factory.token_for(agent))

    rooms = set(server.gateway.sio.rooms(second.sid))
    assert f"team:{new.id}" in rooms
    assert f"team:{old.id}" not in rooms


async def test_socket_gets_auth_expired_then_is_disconnected_when_token_expires(
    server: LiveServer, factory: Factory, connect: Connect
) -> None:
    agent = await factory.user()
    await factory.commit()
    # Issued 15 minutes minus 2 seconds ago: it expires 2 seconds from now.
    token = create_access_token(
        secret=factory.settings.resolved_jwt_secret(),
        user_id=agent.id,
        role=agent.role,
        minutes=15,
        now=utcnow() - timedelta(minutes=15) + timedelta(seconds=2),
    )
    client = await connect(server.base_url, token)
    assert client.sio.connected

    expired = await client.wait_for(AUTH_EXPIRED, within=6)
    await client.wait_disconnected()

    assert expired["code"] == "token_expired"
    assert client.disconnect_reasons == ["server disconnect"]
    assert server.gateway.sio.manager.rooms.get("/", {}).get(f"user:{agent.id}") is None
    # The same token cannot come back in: the client has to refresh it.
    assert (await refusal(server.base_url, {"token": token}))["message"] == "token_expired"


async def test_client_disconnect_cancels_the_expiry_timer(
    server: LiveServer, factory: Factory, connect: Connect
) -> None:
    agent = await factory.user()
    await factory.commit()
    client = await connect(server.base_url, factory.token_for(agent))
    timer = server.gateway._expiry[client.sid]

    await client.sio.disconnect()
    await client.wait_disconnected()
    await asyncio.sleep(0.1)

    assert timer.cancelled()
    assert server.gateway._expiry == {}


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [(WEB_ORIGIN, True), ("https://evil.example.net", False), (None, True)],
)
async def test_handshake_origin_follows_cors_origins(
    settings: Settings, db: Database, origin: str | None, allowed: bool
) -> None:
    headers = {"Origin": origin} if origin else {}
    cors_settings = settings.model_copy(update={"cors_origins": [WEB_ORIGIN]})
    async with (
        live_server(cors_settings, db) as live,
        httpx.AsyncClient(base_url=live.base_url) as http,
    ):
        response = await http.get("/socket.io/?EIO=4&transport=polling", headers=headers)
    assert (response.status_code == 200) is allowed


async def test_same_origin_handshake_is_always_allowed(settings: Settings, db: Database) -> None:
    cors_settings = settings.model_copy(update={"cors_origins": [WEB_ORIGIN]})
    async with (
        live_server(cors_settings, db) as live,
        httpx.AsyncClient(base_url=live.base_url) as http,
    ):
        host = live.base_url.removeprefix("http://")
        response = await http.get(
            "/socket.io/?EIO=4&transport=polling", headers={"Origin": f"http://{host}"}
        )
    assert response.status_code == 200
