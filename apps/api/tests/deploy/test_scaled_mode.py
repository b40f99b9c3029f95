"""Scaled mode as deployed: Debian's nginx, running deploy/nginx's configuration, in front of two
`atende serve` processes and one `atende worker`, sharing a throwaway PostgreSQL database and
Redis. The product's acceptance flow is driven through nginx, the way a browser and Meta reach
a production install."""

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import socketio
from redis.asyncio import Redis

from atende.core.seed import SIMULATED_DISPLAY_NUMBER, SIMULATED_PHONE_NUMBER_ID
from atende.whatsapp.envelopes import dumps, text_message_envelope
from atende.whatsapp.signature import sign
from tests.conftest import IN_CI, _pg_available, pg_connect, pg_database
from tests.deploy.stack import Stack, atende_env, free_port, nginx_binary

pytestmark = pytest.mark.slow

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
JWT_SECRET = "scaled-mode-jwt-secret-long-enough-for-hs256"
APP_SECRET = "scaled-mode-app-secret"
ADMIN_EMAIL = "admin@scaled.example"
ADMIN_PASSWORD = "Scaled-mode-admin-2026!"
CUSTOMER_WA_ID = "5511987650001"
EVENT_TIMEOUT = 15.0
DELIVERY_TIMEOUT = 60.0
# A stand-in for apps/web/dist: the test owns its content, so it can check what nginx does.
ASSET = "assets/index-3f2a1b9c.js"
INDEX_HTML = '<!doctype html><html><head><script type="module" src="/{}"></script></head></html>'


@dataclass
class Deployment:
    stack: Stack
    front: str
    instances: list[str]
    database_url: str
    channel: str


async def _redis_available() -> bool:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        return bool(await client.ping())
    except OSError:
        return False
    finally:
        await client.aclose()


async def _require_services() -> None:
    missing = [
        name
        for name, ok in (
            ("nginx", nginx_binary() is not None),
            ("PostgreSQL", await _pg_available()),
            ("Redis", await _redis_available()),
        )
        if not ok
    ]
    if missing:
        if IN_CI:
            pytest.fail(f"the scaled-mode test needs {', '.join(missing)} in CI")
        pytest.skip(f"needs {', '.join(missing)}")


def _web_root(root: Path) -> Path:
    web = root / "web"
    (web / "assets").mkdir(parents=True)
    (web / "index.html").write_text(INDEX_HTML.format(ASSET))
    # Large enough for gzip to apply.
    (web / ASSET).write_text("export const atende = 1;\n" * 200)
    return web


@pytest.fixture(scope="module")
async def deployment(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Deployment]:
    await _require_services()
    root = tmp_path_factory.mktemp("scaled")
    front_port = free_port()
    front = f"http://127.0.0.1:{front_port}"
    channel = f"atende-scaled-{uuid.uuid4().hex}"
    ports = [free_port(), free_port()]
    instances = [f"http://127.0.0.1:{port}" for port in ports]
    async with pg_database() as database_url:
        env = atende_env(
            root,
            database_url,
            {
                "REDIS_URL": REDIS_URL,
                "REALTIME_CHANNEL": channel,
                "JWT_SECRET": JWT_SECRET,
                "WHATSAPP_APP_SECRET": APP_SECRET,
                "WHATSAPP_VERIFY_TOKEN": "scaled-verify-token",
                "WHATSAPP_TOKEN": "scaled-graph-token",
                "EMBEDDED_WORKER": "false",
                "SIMULATOR_ENABLED": "true",
                # Workers reach the fake Graph API on an instance, as Compose's do at api:8000;
                # its status webhooks come back through nginx, as Meta's do.
                "SIMULATOR_BASE_URL": f"{instances[0]}/simulator",
                "SIMULATOR_WEBHOOK_URL": f"{front}/webhook/whatsapp",
                "LOG_LEVEL": "INFO",
                "LOG_JSON": "false",
            },
        )
        stack = Stack(root, env)
        try:
            seed_env = {"ADMIN_EMAIL": ADMIN_EMAIL, "ADMIN_PASSWORD": ADMIN_PASSWORD}
            await asyncio.to_thread(stack.start_api, ports, seed_env=seed_env)
            stack.start_atende("worker", "worker")
            upstreams = [f"127.0.0.1:{port}" for port in ports]
            rendered = stack.start_nginx(front_port, upstreams, _web_root(root))
            for address in upstreams:
                # Both upstreams (REST and socket.io) balance over every instance.
                assert rendered.count(f"server {address} ") == 2, rendered
            await asyncio.to_thread(stack.wait_ok, f"{front}/readyz")
            yield Deployment(stack, front, instances, database_url, channel)
        finally:
            stack.stop()


@dataclass
class Events:
    """What the socket.io client received; waits fail early when a process of `stack` died."""

    stack: Stack
    received: list[tuple[str, Any]] = field(default_factory=list)

    async def wait_for(self, name: str, match: dict[str, Any], *, within: float) -> Any:
        """The first `name` event whose payload holds `match` (dotted keys), within a bound."""
        deadline = time.monotonic() + within
        while True:
            for event, data in self.received:
                if event == name and all(_dig(data, k) == v for k, v in match.items()):
                    return data
            self.stack.check(f"{name} {match}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no {name} {match} within {within}s; got {self.received}\n" + self.stack.logs()
                )
            await asyncio.sleep(0.02)


def _dig(data: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


async def _connect(
    stack: Stack, front: str, token: str, *, transport: str
) -> tuple[Events, socketio.AsyncClient]:
    events = Events(stack)
    sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)

    async def on_any(event: str, data: Any = None) -> None:
        events.received.append((event, data))

    sio.on("*", on_any)
    # A browser sends its page's origin, which the gateway checks against the forwarded host.
    await sio.connect(
        front,
        headers={"Origin": front},
        auth={"token": token},
        transports=[transport],
        wait_timeout=10,
    )
    return events, sio


async def _wait_for_subscriber(channel: str, *, within: float = 10.0) -> None:
    """socket.io's Redis listener subscribes in the background after a process's first socket."""
    client = Redis.from_url(REDIS_URL)
    try:
        deadline = time.monotonic() + within
        while True:
            [(_, subscribers)] = await client.pubsub_numsub(channel)
            if subscribers >= 1:
                return
            assert time.monotonic() < deadline, f"nobody subscribed to {channel}"
            await asyncio.sleep(0.05)
    finally:
        await client.aclose()


async def _post_webhook(base_url: str, *, text: str) -> str:
    wamid = f"wamid.SCALED{uuid.uuid4().hex.upper()}"
    body = dumps(
        text_message_envelope(
            phone_number_id=SIMULATED_PHONE_NUMBER_ID,
            display_phone_number=SIMULATED_DISPLAY_NUMBER,
            wa_id=CUSTOMER_WA_ID,
            name="Cliente Escala",
            text=text,
            wamid=wamid,
        )
    )
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        response = await http.post(
            "/webhook/whatsapp",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(body, APP_SECRET),
            },
        )
    assert response.status_code == 200, response.text
    return wamid


async def test_nginx_serves_the_web_app_with_headers_and_limits(deployment: Deployment) -> None:
    async with httpx.AsyncClient(base_url=deployment.front, timeout=10) as http:
        index = await http.get("/")
        route = await http.get("/conversations/some-id")
        asset = await http.get(f"/{ASSET}", headers={"Accept-Encoding": "gzip"})
        missing_asset = await http.get("/assets/index-00000000.js")
        openapi = await http.get("/api/openapi.json")
        simulator = await http.get("/simulator/_control")
        oversized = await http.post(
            "/webhook/whatsapp",
            content=b"{" + b" " * (5 * 1024 * 1024) + b"}",
            headers={"Content-Type": "application/json"},
        )

    assert index.status_code == 200
    assert index.text == INDEX_HTML.format(ASSET)
    assert index.headers["cache-control"] == "no-cache"
    assert index.headers["x-content-type-options"] == "nosniff"
    assert index.headers["x-frame-options"] == "DENY"
    assert index.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    csp = index.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert f"ws://127.0.0.1:{deployment.front.rsplit(':', 1)[1]}" in csp
    assert "server" not in index.headers or "nginx/" not in index.headers["server"]

    assert route.status_code == 200
    assert route.text == index.text
    assert route.headers["cache-control"] == "no-cache"

    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["content-encoding"] == "gzip"
    assert missing_asset.status_code == 404

    assert openapi.status_code == 200
    assert openapi.json()["info"]["title"] == "Atende"
    # API answers keep their own no-store; nginx adds no asset caching to them.
    assert openapi.headers.get("cache-control") == "no-store"
    # The fake Graph API is for the workers only, never published.
    assert simulator.status_code == 404
    # nginx refuses a body over Meta's 3 MB webhook limit before it reaches the api.
    assert oversized.status_code == 413


async def test_acceptance_flow_across_two_instances_and_a_worker(deployment: Deployment) -> None:
    stack, front = deployment.stack, deployment.front
    async with httpx.AsyncClient(base_url=front, timeout=10) as http:
        login = await http.post(
            "/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        assert login.status_code == 200, login.text
        http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"

        token = login.json()["access_token"]
        # WebSocket only, as the web app connects: one connection, one instance, no affinity.
        events, sio = await _connect(stack, front, token, transport="websocket")
        # Long-polling spreads one session over many requests: nginx's hashed upstream keeps
        # them on one instance.
        polled, polling_sio = await _connect(stack, front, token, transport="polling")
        try:
            await _wait_for_subscriber(deployment.channel)

            # Meta posts to whichever instance the balancer picks; try both, so one of the two
            # events crosses from an instance without the socket through Redis.
            conversation_id: str | None = None
            for index, instance in enumerate(deployment.instances):
                text = f"Olá da instância {index} ({uuid.uuid4().hex[:6]})"
                await _post_webhook(instance, text=text)
                event = await events.wait_for(
                    "message:new", {"message.text": text}, within=EVENT_TIMEOUT
                )
                assert event["message"]["direction"] == "inbound"
                await polled.wait_for("message:new", {"message.text": text}, within=EVENT_TIMEOUT)
                conversation_id = conversation_id or event["conversation"]["id"]
                assert event["conversation"]["id"] == conversation_id

            assert conversation_id is not None
            reply_text = f"Resposta pelo nginx {uuid.uuid4().hex[:6]}"
            reply = await http.post(
                f"/api/conversations/{conversation_id}/messages",
                json={"type": "text", "text": reply_text},
            )
            assert reply.status_code == 202, reply.text
            message = reply.json()
            assert message["status"] == "queued"

            final = await _poll_message_status(
                http, stack, conversation_id, message["id"], "read", within=DELIVERY_TIMEOUT
            )
            assert final["wamid"]
            assert final["direction"] == "outbound"
            for status in ("sent", "delivered", "read"):
                await events.wait_for(
                    "message:status",
                    {"message_id": message["id"], "status": status},
                    within=EVENT_TIMEOUT,
                )
        finally:
            await sio.disconnect()
            # Without abort, a polling client waits for its pending poll (up to the 25 s ping).
            await polling_sio.eio.disconnect(abort=True)

    # Sent exactly once: one send reached the fake Graph API, one outbound row, one attempt.
    sends = 0
    async with httpx.AsyncClient(timeout=10) as http:
        for instance in deployment.instances:
            state = await http.get(f"{instance}/simulator/_control")
            assert state.status_code == 200, state.text
            sends += state.json()["sends"]
    assert sends == 1
    rows = await _outbound_rows(deployment.database_url, reply_text)
    assert len(rows) == 1, rows
    assert rows[0]["attempts"] == 1, rows
    assert rows[0]["wamid"] == final["wamid"]


async def _poll_message_status(
    http: httpx.AsyncClient,
    stack: Stack,
    conversation_id: str,
    message_id: str,
    status: str,
    *,
    within: float,
) -> Any:
    deadline = time.monotonic() + within
    seen = None
    while True:
        page = await http.get(f"/api/conversations/{conversation_id}/messages")
        assert page.status_code == 200, page.text
        matching = [m for m in page.json()["items"] if m["id"] == message_id]
        seen = matching[0] if matching else None
        if seen is not None and seen["status"] == status:
            return seen
        stack.check(f"message {message_id} {status}")
        if time.monotonic() > deadline:
            raise AssertionError(
                f"message {message_id} not {status} within {within}s: {seen}\n{stack.logs()}"
            )
        await asyncio.sleep(0.25)


async def _outbound_rows(database_url: str, text: str) -> list[asyncpg.Record]:
    conn = await pg_connect(database_url)
    try:
        rows: list[asyncpg.Record] = await conn.fetch(
            "SELECT wamid, attempts, status FROM messages WHERE direction = $1 AND text = $2",
            "outbound",
            text,
        )
        return rows
    finally:
        await conn.close()
