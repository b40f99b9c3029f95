"""End to end over real HTTP: a real server (uvicorn) with the embedded sender, a simulated
number, a customer writing in through `atende simulate inbound`, an agent replying through
the API, and the reply's status climbing to `read` through real signed webhooks."""

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from alembic import command
from atende.core.config import Environment, Settings
from atende.core.db import Database
from atende.main import create_asgi_app
from atende.users.models import Role
from tests.conftest import alembic_config
from tests.factories import DEFAULT_PASSWORD, Factory

pytestmark = pytest.mark.slow

APP_SECRET = "e2e-app-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    settings: Settings


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}"
    command.upgrade(alembic_config(database_url), "head")
    settings = Settings(
        environment=Environment.TEST,
        data_dir=tmp_path,
        database_url=database_url,
        jwt_secret="e2e-jwt-secret-that-is-long-enough-for-hs256",
        whatsapp_app_secret=APP_SECRET,
        simulator_base_url=f"{url}/simulator",
        simulator_webhook_url=f"{url}/webhook/whatsapp",
        embedded_worker=True,
        send_poll_seconds=0.1,
    )
    config = uvicorn.Config(
        create_asgi_app(settings), host="127.0.0.1", port=port, log_level="warning"
    )
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uvicorn_server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield Server(url, settings)
    uvicorn_server.should_exit = True
    thread.join(timeout=30)
    assert not thread.is_alive()


def simulate_inbound(server: Server, phone_number_id: str, text: str) -> str:
    """`atende simulate inbound`, run as the command a developer types."""
    env = {**os.environ, "WHATSAPP_APP_SECRET": APP_SECRET}
    result = subprocess.run(
        [sys.executable, "-m", "atende.cli", "simulate", "inbound", "--number", phone_number_id,
         "--from", "5511988887777", "--name", "Dana", "--text", text, "--url", server.url],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("HTTP 200 wamid.")
    return result.stdout.split()[-1]


async def poll(client: httpx.AsyncClient, path: str, done: Any, *, seconds: float = 15) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        body = (await client.get(path)).json()
        if done(body) or time.monotonic() > deadline:
            return body
        await asyncio.sleep(0.05)


async def test_a_reply_to_a_simulated_customer_climbs_to_read(server: Server) -> None:
    db = Database(server.settings.database_url)
    async with db.session() as session:
        factory = Factory(session, server.settings)
        admin = await factory.user(role=Role.ADMIN, email="e2e@example.com")
        number = await factory.number(phone_number_id="555000111", simulated=True)
        await factory.commit()
        admin_email, phone_number_id = admin.email, number.phone_number_id
    await db.dispose()

    inbound_wamid = await asyncio.to_thread(simulate_inbound, server, phone_number_id, "Oi!")

    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        login = await client.post(
            "/api/auth/login", json={"email": admin_email, "password": DEFAULT_PASSWORD}
        )
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        inbox = await poll(client, "/api/conversations?view=all", lambda b: b["items"])
        (conversation,) = inbox["items"]
        assert conversation["contact"]["wa_id"] == "5511988887777"
        assert conversation["last_message"]["wamid"] == inbound_wamid

        thread = f"/api/conversations/{conversation['id']}/messages"
        sent = await client.post(thread, json={"type": "text", "text": "Olá, Dana!"})
        assert sent.status_code == 202
        assert sent.json()["status"] == "queued"

        seen: list[str] = []

        def read(body: dict[str, Any]) -> bool:
            (reply,) = [m for m in body["items"] if m["id"] == sent.json()["id"]]
            if not seen or seen[-1] != reply["status"]:
                seen.append(reply["status"])
            return bool(reply["status"] == "read")

        final = await poll(client, thread, read)
        (reply,) = [m for m in final["items"] if m["id"] == sent.json()["id"]]
        assert reply["status"] == "read", seen
        assert reply["wamid"].startswith("wamid.")
        assert seen[0] in ("queued", "sent") and seen[-1] == "read"

        # Reading the conversation sends Meta (here: the simulator) a read receipt.
        assert (
            await client.post(f"/api/conversations/{conversation['id']}/read")
        ).status_code == 200
        state = await poll(client, "/simulator/_control", lambda s: s["read_receipts"] >= 1)
        assert state["read_receipts"] == 1
        assert state["duplicates"] == {}
