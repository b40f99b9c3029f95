"""Every administration endpoint against every role: exact status codes, and no writes when
the answer is 401 or 403."""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from atende.users.models import Role
from tests.factories import Factory

ADMIN, SUPERVISOR, AGENT, ANONYMOUS = "ADMIN", "SUPERVISOR", "AGENT", "anonymous"
ROLES = (ADMIN, SUPERVISOR, AGENT, ANONYMOUS)
EVERYONE = frozenset({ADMIN, SUPERVISOR, AGENT})
STAFF = frozenset({ADMIN, SUPERVISOR})
ADMIN_ONLY = frozenset({ADMIN})
WATCHED_TABLES = ("users", "teams", "team_members", "numbers", "contacts")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {user}, {team}, {number}, {contact} are filled with existing ids
    allowed: frozenset[str]
    success: int
    body: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


ENDPOINTS = [
    Endpoint("GET", "/api/users", STAFF, 200),
    Endpoint(
        "POST",
        "/api/users",
        ADMIN_ONLY,
        201,
        {"email": "new@example.com", "name": "New", "password": "Str0ng-enough", "role": "AGENT"},
    ),
    Endpoint("GET", "/api/users/{user}", STAFF, 200),
    Endpoint("PATCH", "/api/users/{user}", ADMIN_ONLY, 200, {"name": "Renamed"}),
    Endpoint("DELETE", "/api/users/{user}", ADMIN_ONLY, 204),
    Endpoint("GET", "/api/teams", EVERYONE, 200),
    Endpoint("POST", "/api/teams", ADMIN_ONLY, 201, {"name": "Nova"}),
    Endpoint("GET", "/api/teams/{team}", EVERYONE, 200),
    Endpoint("PATCH", "/api/teams/{team}", ADMIN_ONLY, 200, {"name": "Renomeada"}),
    Endpoint("PUT", "/api/teams/{team}/members", ADMIN_ONLY, 200, {"user_ids": ["{user}"]}),
    Endpoint("DELETE", "/api/teams/{team}", ADMIN_ONLY, 204),
    Endpoint("GET", "/api/numbers", EVERYONE, 200),
    Endpoint(
        "POST",
        "/api/numbers",
        ADMIN_ONLY,
        201,
        {"phone_number_id": "555000111", "display_phone_number": "15550001111", "label": "N"},
    ),
    Endpoint("GET", "/api/numbers/{number}", EVERYONE, 200),
    Endpoint("PATCH", "/api/numbers/{number}", ADMIN_ONLY, 200, {"label": "Outro"}),
    Endpoint("DELETE", "/api/numbers/{number}", ADMIN_ONLY, 204),
    Endpoint("GET", "/api/contacts", EVERYONE, 200),
    Endpoint("POST", "/api/contacts", EVERYONE, 201, {"phone": "+55 11 91234-5678"}),
    Endpoint("GET", "/api/contacts/{contact}", EVERYONE, 200),
    Endpoint("PATCH", "/api/contacts/{contact}", EVERYONE, 200, {"name": "Cliente"}),
]

CASES = [
    pytest.param(endpoint, role, id=f"{endpoint.id} as {role}")
    for endpoint in ENDPOINTS
    for role in ROLES
]


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


async def _snapshot(session: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    result = {}
    for table in WATCHED_TABLES:
        rows = await session.execute(text(f"SELECT * FROM {table}"))
        result[table] = sorted(tuple(str(v) for v in row) for row in rows)
    await session.rollback()
    return result


@pytest.mark.parametrize(("endpoint", "role"), CASES)
async def test_role_matrix(
    client: httpx.AsyncClient,
    factory: Factory,
    session: AsyncSession,
    endpoint: Endpoint,
    role: str,
) -> None:
    callers = {r: await factory.user(role=Role(r)) for r in (ADMIN, SUPERVISOR, AGENT)}
    team = await factory.team()
    target = await factory.user(role=Role.AGENT, teams=[team])
    number = await factory.number()
    contact = await factory.contact()
    await factory.commit()
    ids = {"user": str(target.id), "team": str(team.id), "number": str(number.id)}
    ids["contact"] = str(contact.id)
    headers = factory.auth(callers[role]) if role != ANONYMOUS else {}
    before = await _snapshot(session)

    response = await client.request(
        endpoint.method,
        _fill(endpoint.path, ids),
        headers=headers,
        json=_fill(endpoint.body, ids) if endpoint.body is not None else None,
    )

    if role == ANONYMOUS:
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "unauthorized"
    elif role in endpoint.allowed:
        assert response.status_code == endpoint.success, response.text
        return
    else:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"
    assert await _snapshot(session) == before
