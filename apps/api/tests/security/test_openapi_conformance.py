"""schemathesis against /api/openapi.json, as each role: no 5xx, and every answer (status,
content type, body) as the schema documents it.

The api runs as a real `atende serve` process on a throwaway PostgreSQL database (schemathesis
calls it over HTTP, synchronously), seeded with an administrator, a supervisor, an agent and a
conversation.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from atende.core.seed import SIMULATED_DISPLAY_NUMBER, SIMULATED_PHONE_NUMBER_ID
from atende.whatsapp.envelopes import text_message_envelope
from atende.whatsapp.signature import sign
from tests.conftest import create_pg_database, drop_pg_database, require_pg
from tests.deploy.stack import Stack, atende_env, free_port

pytestmark = pytest.mark.slow

APP_SECRET = "schema-app-secret"
ADMIN_EMAIL = "admin@schema.example"
PASSWORD = "Schema-check-2026!"
ROLES = ("ADMIN", "SUPERVISOR", "AGENT")
MAX_EXAMPLES = 6
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@dataclass
class LiveApi:
    base_url: str
    tokens: dict[str, str]


async def _login(http: httpx.AsyncClient, email: str) -> str:
    response = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest.fixture(scope="module")
async def live_api(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveApi]:
    await require_pg()
    root: Path = tmp_path_factory.mktemp("schema")
    database_url = await create_pg_database()
    port = free_port()
    env = atende_env(
        root,
        database_url,
        {
            "JWT_SECRET": "schema-jwt-secret-long-enough-for-hs256-signing",
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "WHATSAPP_TOKEN": "schema-graph-token",
            "EMBEDDED_WORKER": "false",
            "SIMULATOR_ENABLED": "false",
            # Throttling would turn schemathesis' random logins into 429s for the real accounts.
            "LOGIN_MAX_FAILURES": "1000000",
            "LOG_LEVEL": "WARNING",
        },
    )
    stack = Stack(root, env)
    try:
        seed_env = {"ADMIN_EMAIL": ADMIN_EMAIL, "ADMIN_PASSWORD": PASSWORD}
        await asyncio.to_thread(stack.start_api, [port], seed_env=seed_env)
        base_url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base_url) as http:
            tokens = {"ADMIN": await _login(http, ADMIN_EMAIL)}
            admin = {"Authorization": f"Bearer {tokens['ADMIN']}"}
            teams = (await http.get("/api/teams", headers=admin)).json()["items"]
            for role in ("SUPERVISOR", "AGENT"):
                email = f"{role.lower()}@schema.example"
                created = await http.post(
                    "/api/users",
                    headers=admin,
                    json={
                        "email": email,
                        "name": role.title(),
                        "password": PASSWORD,
                        "role": role,
                        "team_ids": [teams[0]["id"]],
                    },
                )
                assert created.status_code == 201, created.text
                tokens[role] = await _login(http, email)
            body = orjson.dumps(
                text_message_envelope(
                    phone_number_id=SIMULATED_PHONE_NUMBER_ID,
                    display_phone_number=SIMULATED_DISPLAY_NUMBER,
                    wa_id="5511987650099",
                    name="Cliente",
                    text="olá",
                )
            )
            delivered = await http.post(
                "/webhook/whatsapp",
                content=body,
                headers={"X-Hub-Signature-256": sign(body, APP_SECRET)},
            )
            assert delivered.status_code == 200
        yield LiveApi(base_url, tokens)
    finally:
        stack.stop()
        await drop_pg_database(database_url)


def _describe(error: BaseException) -> str:
    parts = [str(error)]
    for inner in getattr(error, "exceptions", ()):
        parts.append(f"  {type(inner).__name__}: {inner}")
    return "\n".join(parts)[:2000]


def test_api_matches_its_schema(live_api: LiveApi) -> None:
    """Every operation, a few generated calls each, each call made as every role (what one
    may do, another gets 401/403/404 for): all failures are collected, then reported."""
    schema = schemathesis.openapi.from_url(f"{live_api.base_url}/api/openapi.json")
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        def check(case: Any) -> None:
            for role in ROLES:
                headers = {"Authorization": f"Bearer {live_api.tokens[role]}"}
                case.call_and_validate(base_url=live_api.base_url, headers=headers, checks=CHECKS)

        try:
            check()
        except (Exception, BaseExceptionGroup) as e:  # one report for the whole API
            failures[operation.label] = _describe(e)
    assert operations > 30
    assert failures == {}, "\n\n".join(f"{label}:\n{error}" for label, error in failures.items())


def test_the_schema_lists_every_route(live_api: LiveApi) -> None:
    document = httpx.get(f"{live_api.base_url}/api/openapi.json").json()
    assert "/api/conversations" in document["paths"]
