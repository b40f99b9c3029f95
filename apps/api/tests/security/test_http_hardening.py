"""HTTP hardening: CORS only for configured origins, security headers on every answer, body
size limits, and injection probes on every query parameter of every GET endpoint."""

import base64
import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from atende.contacts.models import Contact
from atende.conversations.models import Conversation
from atende.core.config import Settings
from atende.core.db import Database
from atende.core.pagination import InvalidCursor, cursor_values
from atende.main import create_app
from atende.teams.models import Team
from atende.users.models import Role, User
from tests.factories import Factory

ALLOWED_ORIGIN = "https://inbox.example.com"
EVIL_ORIGIN = "https://evil.example.net"
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}
MB = 1024 * 1024


@pytest.fixture
async def cors_client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"cors_origins": [ALLOWED_ORIGIN]}), database=db)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


def preflight(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_cors_answers_only_configured_origins(
    cors_client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.user(role=Role.ADMIN)
    await factory.commit()

    allowed = await cors_client.options("/api/conversations", headers=preflight(ALLOWED_ORIGIN))
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()

    for origin in (EVIL_ORIGIN, "null", ALLOWED_ORIGIN + ".evil.net", "http://inbox.example.com"):
        refused = await cors_client.options("/api/conversations", headers=preflight(origin))
        assert "access-control-allow-origin" not in refused.headers, origin
        assert refused.status_code == 400, origin
        simple = await cors_client.get(
            "/api/auth/me", headers={**factory.auth(admin), "Origin": origin}
        )
        assert "access-control-allow-origin" not in simple.headers, origin

    simple = await cors_client.get(
        "/api/auth/me", headers={**factory.auth(admin), "Origin": ALLOWED_ORIGIN}
    )
    assert simple.status_code == 200
    assert simple.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert simple.headers.get("vary", "").lower().count("origin") == 1


async def test_without_cors_origins_no_origin_is_granted(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    for origin in (ALLOWED_ORIGIN, EVIL_ORIGIN):
        response = await client.options("/api/auth/login", headers=preflight(origin))
        assert "access-control-allow-origin" not in response.headers
        got = await client.post(
            "/api/auth/login", headers={"Origin": origin}, json={"email": "a@b.c", "password": "x"}
        )
        assert "access-control-allow-origin" not in got.headers


async def test_security_headers_on_every_kind_of_answer(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.user(role=Role.ADMIN)
    await factory.commit()
    auth = factory.auth(admin)
    answers = {
        "200": await client.get("/api/auth/me", headers=auth),
        "401": await client.get("/api/auth/me"),
        "403": await client.get("/api/users", headers=factory.auth(await _agent(factory))),
        "404": await client.get("/api/users/00000000-0000-0000-0000-000000000000", headers=auth),
        "405": await client.delete("/api/auth/me", headers=auth),
        "422": await client.get("/api/conversations", params={"limit": 0}, headers=auth),
        "webhook 401": await client.post("/webhook/whatsapp", content=b"{}"),
        "healthz": await client.get("/healthz"),
        "readyz": await client.get("/readyz"),
        "openapi": await client.get("/api/openapi.json"),
        "unknown path": await client.get("/api/nothing-here", headers=auth),
    }
    for name, response in answers.items():
        for header, value in SECURITY_HEADERS.items():
            assert response.headers.get(header) == value, (name, header)
        assert response.headers.get("x-request-id"), name


async def test_token_answers_are_never_cached(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user(email="cache@example.com")
    await factory.commit()
    login = await client.post(
        "/api/auth/login", json={"email": user.email, "password": "correct horse battery"}
    )
    assert login.status_code == 200
    refreshed = await client.post(
        "/api/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}
    )
    me = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    for response in (login, refreshed, me):
        assert "no-store" in response.headers.get("cache-control", ""), response.url


async def _agent(factory: Factory) -> User:
    agent = await factory.user(role=Role.AGENT)
    await factory.commit()
    return agent


# -- body size ---------------------------------------------------------------------------------


async def test_json_bodies_over_a_megabyte_are_413(
    client: httpx.AsyncClient, factory: Factory, db: Database
) -> None:
    admin = await factory.user(role=Role.ADMIN)
    await factory.commit()
    auth = {**factory.auth(admin), "Content-Type": "application/json"}
    big = json.dumps({"phone": "5511999990000", "name": "x" * (2 * MB)}).encode()

    declared = await client.post("/api/contacts", content=big, headers=auth)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    streamed = await client.post("/api/contacts", content=chunks(), headers=auth)
    unauthenticated = await client.post(
        "/api/auth/login", content=big, headers={"Content-Type": "application/json"}
    )

    for response in (declared, streamed, unauthenticated):
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "payload_too_large"
        assert response.headers["x-content-type-options"] == "nosniff"
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Contact)) == 0
    # A body under the limit still works.
    fine = await client.post(
        "/api/contacts", headers=auth, json={"phone": "5511999990000", "name": "y" * 200}
    )
    assert fine.status_code == 201, fine.text
    # Uploads have their own, larger limit (Meta's per media type).
    upload = await client.post(
        "/api/uploads",
        headers=factory.auth(admin),
        files={"file": ("photo.jpg", b"\xff\xd8\xff\xe0" + b"0" * (2 * MB), "image/jpeg")},
    )
    assert upload.status_code != 413, upload.text


async def test_a_lying_content_length_is_not_a_way_around_the_limit(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.user(role=Role.ADMIN)
    await factory.commit()

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"phone": "5511999990000", "name": "'
        for _ in range(40):
            yield b"z" * (64 * 1024)
        yield b'"}'

    response = await client.post(
        "/api/contacts",
        content=chunks(),
        headers={**factory.auth(admin), "Content-Type": "application/json"},
    )

    assert response.status_code == 413


# -- injection probes --------------------------------------------------------------------------


def _cursor(items: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(items).encode()).decode().rstrip("=")


ZERO = ["u", "00000000-0000-0000-0000-000000000000"]
PROBES = [
    "' OR '1'='1",
    "1' OR 1=1 --",
    "'; DROP TABLE users; --",
    "1) OR (1=1",
    "%",
    "_",
    "\\",
    "' UNION SELECT id, email, password_hash FROM users --",
    "'||(SELECT pg_sleep(5))||'",
    "\x00",
    "a\x00b",
    "ção 😮 \u202e",
    "x" * 5_000,
    "-1",
    "99999999999999999999999999",
    "1e309",
    "null",
    "00000000-0000-0000-0000-000000000000",
    "../../../../etc/passwd",
]
DATE_PROBES = [
    "2026-13-45T25:61:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59",
    "1970-01-01T00:00:00Z",
]
CURSOR_PROBES = [
    _cursor([["s", "x"]]),
    _cursor([["d", "2026-01-01T00:00:00"], ZERO]),
    _cursor([["d", "0001-01-01T00:00:00+00:00"], ZERO]),
    _cursor([["d", "9999-12-31T23:59:59-14:00"], ZERO]),
    _cursor([["s", "\x00"], ZERO]),
    _cursor([["i", 2**70], ZERO]),
    _cursor([["u", "not-a-uuid"], ZERO]),
    _cursor([["s", "' OR 1=1 --"], ["s", "' OR 1=1 --"]]),
    _cursor([["f", 1e308], ["b", True]]),
    _cursor([["d", "2026-01-01T00:00:00+00:00"], ["s", "x"]]),
    _cursor([["s", "2026-01-01T00:00:00+00:00"], ZERO]),
    _cursor([["i", 5], ["i", 5], ["i", 5]]),
    "%00",
]


def probes_for(name: str) -> list[str]:
    if name == "cursor":
        return PROBES + CURSOR_PROBES
    if name in ("from", "to"):
        return PROBES + DATE_PROBES
    return PROBES


@dataclass
class World:
    agent: User
    admin: User
    ids: dict[str, str]
    hidden: set[str]


@pytest.fixture
async def world(factory: Factory) -> World:
    mine, theirs = await factory.team(name="Mine"), await factory.team(name="Theirs")
    agent = await factory.user(role=Role.AGENT, teams=[mine])
    admin = await factory.user(role=Role.ADMIN)
    number = await factory.number(default_team=mine)
    visible = await factory.conversation(number=number, team=mine)
    shown = await factory.message(conversation=visible, text="visível")
    secret_contact = await factory.contact(name="Segredo")
    hidden = await factory.conversation(number=number, team=theirs, contact=secret_contact)
    await factory.message(conversation=hidden, text="secret text")
    await factory.commit()
    ids = {
        "conversation_id": str(visible.id),
        "contact_id": str(visible.contact_id),
        "user_id": str(agent.id),
        "team_id": str(mine.id),
        "number_id": str(number.id),
        "message_id": str(shown.id),
    }
    return World(agent=agent, admin=admin, ids=ids, hidden={str(hidden.id), "secret text"})


def get_operations(app: FastAPI) -> list[tuple[str, list[str]]]:
    """Every GET path of the API with its query parameter names."""
    found = []
    for path, item in app.openapi()["paths"].items():
        operation = item.get("get")
        if operation is None or not path.startswith("/api/"):
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        if names:
            found.append((path, names))
    return found


@pytest.mark.slow
async def test_injection_probes_on_every_query_parameter(
    app: FastAPI, factory: Factory, world: World, db: Database
) -> None:
    # A server error must come back as a 500 answer, not be raised into the test.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    operations = get_operations(app)
    probed = {name for _, names in operations for name in names}
    assert {"q", "status", "view", "number_id", "team_id", "cursor", "before", "tz"} <= probed
    assert {"from", "to", "limit"} <= probed
    failures: dict[tuple[str, str], list[str]] = {}
    requests = 0
    for path, names in operations:
        # The agent sees the least: any row that should stay hidden would show there. Admin-only
        # lists are probed as the admin.
        user = world.admin if path.startswith("/api/users") else world.agent
        headers = factory.auth(user)
        url = re.sub(r"\{(\w+)\}", lambda m: world.ids[m.group(1)], path)
        for name in names:
            for probe in probes_for(name):
                response = await client.get(url, params={name: probe}, headers=headers)
                requests += 1
                leaked = user is world.agent and any(h in response.text for h in world.hidden)
                if response.status_code >= 500 or leaked:
                    failures.setdefault((path, name), []).append(
                        f"{probe[:40]!r}: {response.status_code}{' leaked' if leaked else ''}"
                    )
    await client.aclose()
    assert failures == {}, f"{sum(map(len, failures.values()))} of {requests}: {failures}"
    # Every table is still there, with its rows.
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM users"))).scalar() == 2
        assert (await conn.execute(text("SELECT count(*) FROM conversations"))).scalar() == 2


async def test_sql_in_stored_text_is_only_text(
    client: httpx.AsyncClient, factory: Factory, db: Database
) -> None:
    admin = await factory.user(role=Role.ADMIN)
    await factory.commit()
    name = "Robert'); DROP TABLE contacts; --"
    created = await client.post(
        "/api/contacts", headers=factory.auth(admin), json={"phone": "5511912345678", "name": name}
    )
    assert created.status_code == 201, created.text

    found = await client.get("/api/contacts", params={"q": "'); DROP"}, headers=factory.auth(admin))

    assert [c["name"] for c in found.json()["items"]] == [name]
    wildcard = await client.get("/api/contacts", params={"q": "%"}, headers=factory.auth(admin))
    assert wildcard.json()["items"] == []


def test_cursor_values_must_fit_their_keys() -> None:
    keys = (func.lower(Team.name), Team.id)
    good = _cursor([["s", "vendas"], ["u", str(uuid.uuid4())]])
    assert cursor_values(good, keys)[0] == "vendas"
    for bad in (
        [["i", 7], ZERO],
        [["s", "a\x00"], ZERO],
        [["s", "x"], ["s", "x"]],
        [["d", "2026-01-01T00:00:00+00:00"], ZERO],
    ):
        with pytest.raises(InvalidCursor):
            cursor_values(_cursor(bad), keys)
    dated = (Conversation.last_message_at, Conversation.id)
    for bad in (
        [["d", "2026-01-01T00:00:00"], ZERO],  # no offset
        [["d", "0001-01-01T00:00:00+14:00"], ZERO],  # before year 1 in UTC
        [["i", 2**70], ZERO],
    ):
        with pytest.raises(InvalidCursor):
            cursor_values(_cursor(bad), dated)


async def test_dashboard_dates_past_any_sane_range_are_422(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.user(role=Role.ADMIN)
    await factory.commit()
    for params in (
        {"from": "0001-01-01T00:00:00+14:00"},
        {"to": "9999-12-31T23:59:59"},
        {"from": "1999-12-31T00:00:00Z", "to": "2000-01-02T00:00:00Z"},
    ):
        response = await client.get("/api/dashboard", params=params, headers=factory.auth(admin))
        assert response.status_code == 422, (params, response.text)
        assert response.json()["error"]["code"] == "invalid_range"


async def test_nul_characters_are_refused_not_a_server_error(
    app: FastAPI, factory: Factory, backend: str
) -> None:
    admin = await factory.user(role=Role.ADMIN)
    await factory.commit()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        headers = factory.auth(admin)
        searched = await client.get("/api/contacts", params={"q": "a\x00"}, headers=headers)
        created = await client.post(
            "/api/contacts", headers=headers, json={"phone": "5511912345678", "name": "a\x00b"}
        )
    if backend == "postgresql":
        # PostgreSQL cannot store NUL in text: the client's input is refused.
        assert (searched.status_code, created.status_code) == (422, 422)
        assert created.json()["error"]["code"] == "invalid_text"
    else:
        assert (searched.status_code, created.status_code) == (200, 201)
