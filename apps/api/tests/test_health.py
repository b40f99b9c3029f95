"""Liveness/readiness, request ids on every log line, and the settings' secret rules."""

import json
import logging
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from atende.core.config import ConfigError, Environment, Settings
from atende.core.db import Database
from atende.core.logging import JsonFormatter, RequestIdFilter, request_id_var
from atende.main import create_app

UNREACHABLE_PG = "postgresql+asyncpg://postgres@127.0.0.1:1/x"


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": Environment.TEST,
        "data_dir": tmp_path,
        "jwt_secret": "test-jwt-secret-that-is-long-enough-for-hs256",
        "database_url": UNREACHABLE_PG,
        "web_dist": tmp_path / "no-web",
        **overrides,
    }
    return Settings.model_validate(values)


@asynccontextmanager
async def _client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    database = Database(settings.database_url)
    app = create_app(settings, database=database)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                yield client
    finally:
        await database.dispose()


async def test_healthz_answers_while_the_process_runs(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_200_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok"}


async def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    async with _client_for(_settings(tmp_path)) as client:
        ready = await client.get("/readyz")
        live = await client.get("/healthz")

    assert ready.status_code == 503
    assert ready.json()["error"]["code"] == "not_ready"
    assert ready.json()["checks"] == {"database": "unavailable"}
    assert live.status_code == 200


async def test_readyz_checks_redis_when_configured(tmp_path: Path, database_url: str) -> None:
    up = _settings(tmp_path, database_url=database_url, redis_url="redis://127.0.0.1:6379/0")
    down = _settings(tmp_path, database_url=database_url, redis_url="redis://127.0.0.1:1/0")
    async with _client_for(up) as client:
        ok = await client.get("/readyz")
    async with _client_for(down) as client:
        broken = await client.get("/readyz")

    assert ok.status_code == 200
    assert ok.json()["checks"] == {"database": "ok", "redis": "ok"}
    # Degraded, not unready: the instance still stores webhooks and sends replies.
    assert broken.status_code == 200
    assert broken.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "unavailable"},
    }


@pytest.fixture
def noisy_app(app: FastAPI) -> FastAPI:
    """The app plus a route that logs twice (first, ahead of the web app's catch-all)."""
    logger = logging.getLogger("atende.test.noisy")

    async def noisy() -> dict[str, str]:
        logger.info("handling")
        logger.warning("still handling", extra={"step": 2})
        return {"status": "ok"}

    app.router.routes.insert(0, APIRoute("/test/noisy", noisy, methods=["GET"]))
    return app


async def test_every_log_line_of_a_request_carries_its_id(
    noisy_app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(RequestIdFilter())
    caplog.clear()

    first = await client.get("/test/noisy")
    second = await client.get("/test/noisy", headers={"X-Request-Id": "from-the-proxy-42"})

    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert ids[1] == "from-the-proxy-42"
    assert ids[0] and ids[0] != ids[1]
    # The test client's own httpx log lines are outside the request.
    records = [r for r in caplog.records if r.name.startswith("atende")]
    assert [r.getMessage() for r in records] == ["handling", "still handling", "request"] * 2
    assert [getattr(r, "request_id", None) for r in records] == [ids[0]] * 3 + [ids[1]] * 3
    access = records[2]
    assert (getattr(access, "path", None), getattr(access, "status", None)) == ("/test/noisy", 200)
    line = json.loads(JsonFormatter().format(records[1]))
    assert line["request_id"] == ids[0]
    assert line["step"] == 2
    # The id does not leak into whatever runs after the request.
    assert request_id_var.get() is None


def test_production_refuses_to_start_without_jwt_secret(tmp_path: Path) -> None:
    for secret in ("", "change-me"):
        settings = Settings(
            environment=Environment.PRODUCTION, jwt_secret=secret, data_dir=tmp_path
        )
        with pytest.raises(ConfigError, match=r"^JWT_SECRET: not set"):
            settings.resolved_jwt_secret()
    assert not (tmp_path / "jwt_secret").exists()


def test_production_uses_the_given_jwt_secret(tmp_path: Path) -> None:
    settings = Settings(
        environment=Environment.PRODUCTION, jwt_secret="a-real-long-secret", data_dir=tmp_path
    )
    assert settings.resolved_jwt_secret() == "a-real-long-secret"


def test_development_generates_and_keeps_a_jwt_secret(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = Settings(environment=Environment.DEVELOPMENT, jwt_secret="", data_dir=data_dir)
    secret = first.resolved_jwt_secret()

    path = data_dir / "jwt_secret"
    assert len(secret) >= 32
    assert path.read_text() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = Settings(environment=Environment.DEVELOPMENT, jwt_secret="", data_dir=data_dir)
    assert again.resolved_jwt_secret() == secret
