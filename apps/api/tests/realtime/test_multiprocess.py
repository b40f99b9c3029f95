"""Two real server processes sharing PostgreSQL and Redis: an inbound message received by one
reaches the sockets connected to the other."""

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from alembic import command
from atende.core.config import Environment, Settings
from atende.core.db import Database
from atende.realtime.events import MESSAGE_NEW
from atende.users.models import Role
from atende.whatsapp.envelopes import dumps, text_message_envelope
from atende.whatsapp.signature import sign
from tests.conftest import _pg_available, alembic_config, create_pg_database, drop_pg_database
from tests.factories import Factory
from tests.realtime.conftest import Connect, free_port
from tests.realtime.test_redis import REDIS_URL, _redis_available, wait_for_subscribers

pytestmark = pytest.mark.slow

JWT_SECRET = "multiprocess-jwt-secret-long-enough-for-hs256"
APP_SECRET = "multiprocess-app-secret"


@dataclass
class Deployment:
    settings: Settings
    env: dict[str, str]


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    """A throwaway migrated PostgreSQL database and a unique Redis channel."""
    if not await _pg_available() or not await _redis_available():
        pytest.skip("needs PostgreSQL and Redis")
    url = await create_pg_database()
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
        channel = f"atende-test-{uuid.uuid4().hex}"
        settings = Settings(
            environment=Environment.TEST,
            data_dir=tmp_path,
            database_url=url,
            redis_url=REDIS_URL,
            realtime_channel=channel,
            jwt_secret=JWT_SECRET,
            whatsapp_app_secret=APP_SECRET,
            embedded_worker=False,
        )
        env = {
            "ENVIRONMENT": "test",
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "REALTIME_CHANNEL": channel,
            "JWT_SECRET": JWT_SECRET,
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "EMBEDDED_WORKER": "false",
            "LOG_LEVEL": "WARNING",
        }
        yield Deployment(settings, env)
    finally:
        await drop_pg_database(url)


@contextmanager
def server_processes(env: dict[str, str], cwd: Path, count: int) -> Iterator[list[str]]:
    """`count` x `uvicorn --factory atende.main:create_default_app`, as `atende serve` runs it,
    started side by side."""
    processes: list[subprocess.Popen[bytes]] = []
    base_urls: list[str] = []
    try:
        for _ in range(count):
            port = free_port()
            args = [sys.executable, "-m", "uvicorn", "--factory", "atende.main:create_default_app"]
            args += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
            # cwd away from any developer .env: the environment above is the configuration.
            processes.append(subprocess.Popen(args, env={**os.environ, **env}, cwd=cwd))
            base_urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        for process, base_url in zip(processes, base_urls, strict=True):
            while not _ready(base_url):
                assert process.poll() is None, f"server exited with {process.returncode}"
                assert time.monotonic() < deadline, "server did not become ready"
                time.sleep(0.1)
        yield base_urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _ready(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


async def test_inbound_message_on_one_process_reaches_sockets_on_another(
    deployment: Deployment, connect: Connect, tmp_path: Path
) -> None:
    database = Database(deployment.settings.database_url)
    try:
        async with database.session() as session:
            factory = Factory(session, deployment.settings)
            team = await factory.team()
            agent = await factory.user(role=Role.AGENT, teams=[team])
            outsider = await factory.user(role=Role.AGENT, teams=[await factory.team()])
            supervisor = await factory.user(role=Role.SUPERVISOR)
            number = await factory.number(default_team=team)
            await factory.commit()
            tokens = {
                "agent": factory.token_for(agent),
                "outsider": factory.token_for(outsider),
                "supervisor": factory.token_for(supervisor),
            }
    finally:
        await database.dispose()

    with server_processes(deployment.env, tmp_path, 2) as (a, b):
        on_a = await connect(a, tokens["supervisor"])
        on_b = await connect(b, tokens["agent"])
        outsider_on_b = await connect(b, tokens["outsider"])
        await wait_for_subscribers(deployment.settings.realtime_channel, 2)

        body = dumps(
            text_message_envelope(
                phone_number_id=number.phone_number_id,
                display_phone_number=number.display_phone_number,
                wa_id="5511987654321",
                name="Maria",
                text="Olá, preciso de ajuda",
            )
        )
        async with httpx.AsyncClient(base_url=a) as http:
            response = await http.post(
                "/webhook/whatsapp",
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Hub-Signature-256": sign(body, APP_SECRET),
                },
            )
        assert response.status_code == 200

        event_b = await on_b.wait_for(MESSAGE_NEW)
        event_a = await on_a.wait_for(MESSAGE_NEW)
        assert event_b["message"]["text"] == "Olá, preciso de ajuda"
        assert event_b["conversation"]["team"]["id"] == str(team.id)
        assert event_a == event_b
        await asyncio.sleep(0.3)
        assert outsider_on_b.received == []
        for client in (on_a, on_b, outsider_on_b):
            await client.sio.disconnect()
