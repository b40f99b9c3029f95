"""Redis stops in scaled mode: two `atende serve` processes and an `atende worker` share a
private redis-server this test starts on a free port (the machine's Redis is never touched),
with a socket.io client connected to each api process.

While Redis is down (ten seconds), signed webhooks still get 200 quickly and are stored, a
reply sent from the inbox is still accepted and sent by the worker, each process logs once
that events are degraded (not once per request) instead of failing requests, and `/readyz`
answers 200 "degraded" naming Redis (the instance keeps serving, so it stays in rotation).
Events still reach the sockets of the process that committed them; only the fan-out to the
other process is lost. Redis then comes back on the same port, and without restarting
anything the api processes listen again within seconds, `/readyz` is "ok" again and a new
webhook's `message:new` reaches the client on the other process.
"""

import asyncio
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import socketio
from redis.asyncio import Redis
from redis.exceptions import RedisError

from atende.core.seed import SIMULATED_DISPLAY_NUMBER, SIMULATED_PHONE_NUMBER_ID
from atende.whatsapp.envelopes import dumps, text_message_envelope
from atende.whatsapp.signature import sign
from tests.conftest import IN_CI, pg_connect, pg_database, require_pg
from tests.deploy.stack import Stack, atende_env, free_port
from tests.reliability.conftest import Report

pytestmark = pytest.mark.slow

APP_SECRET = "redis-down-app-secret"
JWT_SECRET = "redis-down-jwt-secret-long-enough-for-hs256"
ADMIN_EMAIL = "admin@redis-down.example"
ADMIN_PASSWORD = "Redis-down-admin-2026!"
CUSTOMER_WA_ID = "5511987650777"
EVENT_TIMEOUT = 15.0
OUTAGE_WEBHOOKS = 20
OUTAGE_SECONDS = 10.0
# A request must not wait on the dead Redis (its connect timeout is 2 s).
FAST_SECONDS = 1.0
RESUME_TIMEOUT = 30.0
# The api processes listen to Redis again this soon after it is back (BufferedRedisManager
# retries every 2 s at most).
RESUBSCRIBE_SECONDS = 3.0


class PrivateRedis:
    """A throwaway redis-server: no persistence, its own port, stopped and started at will."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.popen: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = self.root / f"redis-{self.starts}.log"
        with log.open("wb") as out:
            self.popen = subprocess.Popen(
                [
                    str(shutil.which("redis-server")),
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.root),
                ],
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        self.popen = None

    async def wait_up(self, within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while True:
            client = Redis.from_url(self.url, socket_connect_timeout=1)
            try:
                if await client.ping():
                    return
            except (OSError, RedisError):
                pass
            finally:
                await client.aclose()
            assert time.monotonic() < deadline, "the private redis-server did not start"
            await asyncio.sleep(0.05)

    async def subscribers(self, channel: str) -> int:
        client = Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            [(_, count)] = await client.pubsub_numsub(channel)
            return int(count)
        finally:
            await client.aclose()


@dataclass
class Deployment:
    stack: Stack
    redis: PrivateRedis
    instances: list[str]
    database_url: str
    channel: str


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        if IN_CI:
            pytest.fail("redis-server is required in CI")
        pytest.skip("redis-server not installed")
    redis = PrivateRedis(tmp_path_factory.mktemp("redis"), free_port())
    try:
        yield redis
    finally:
        redis.stop()


@pytest.fixture(scope="module")
async def deployment(
    tmp_path_factory: pytest.TempPathFactory, private_redis: PrivateRedis
) -> AsyncIterator[Deployment]:
    await require_pg()
    redis = private_redis
    redis.start()
    await redis.wait_up()
    root = tmp_path_factory.mktemp("redis-down")
    ports = [free_port(), free_port()]
    instances = [f"http://127.0.0.1:{port}" for port in ports]
    channel = f"atende-redis-down-{uuid.uuid4().hex}"
    async with pg_database() as database_url:
        env = atende_env(
            root,
            database_url,
            {
                "REDIS_URL": redis.url,
                "REALTIME_CHANNEL": channel,
                "JWT_SECRET": JWT_SECRET,
                "WHATSAPP_APP_SECRET": APP_SECRET,
                "WHATSAPP_VERIFY_TOKEN": "redis-down-verify-token",
                "WHATSAPP_TOKEN": "redis-down-graph-token",
                "EMBEDDED_WORKER": "false",
                "SIMULATOR_ENABLED": "true",
                # The worker sends to the fake Graph API on the first process; its status
                # webhooks come back to the second.
                "SIMULATOR_BASE_URL": f"{instances[0]}/simulator",
                "SIMULATOR_WEBHOOK_URL": f"{instances[1]}/webhook/whatsapp",
                "SEND_POLL_SECONDS": "0.1",
                "LOG_LEVEL": "INFO",
                "LOG_JSON": "false",
            },
        )
        stack = Stack(root, env)
        try:
            seed_env = {"ADMIN_EMAIL": ADMIN_EMAIL, "ADMIN_PASSWORD": ADMIN_PASSWORD}
            await asyncio.to_thread(stack.start_api, ports, seed_env=seed_env)
            stack.start_atende("worker", "worker")
            yield Deployment(stack, redis, instances, database_url, channel)
        finally:
            stack.stop()
            redis.stop()


@dataclass
class Listener:
    """A socket.io client on one api process, recording what it receives."""

    stack: Stack
    sio: socketio.AsyncClient
    received: list[tuple[str, Any]]

    def has(self, name: str, text: str) -> bool:
        return any(
            event == name and (data or {}).get("message", {}).get("text") == text
            for event, data in self.received
        )

    async def wait_for(self, name: str, text: str, *, within: float = EVENT_TIMEOUT) -> float:
        started = time.monotonic()
        while not self.has(name, text):
            self.stack.check(f"{name} {text!r}")
            if time.monotonic() - started > within:
                raise AssertionError(
                    f"no {name} {text!r} within {within}s; got {self.received}\n"
                    + self.stack.logs()
                )
            await asyncio.sleep(0.02)
        return time.monotonic() - started


async def _listen(stack: Stack, base_url: str, token: str) -> Listener:
    sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    listener = Listener(stack, sio, [])

    async def on_any(event: str, data: Any = None) -> None:
        listener.received.append((event, data))

    sio.on("*", on_any)
    await sio.connect(base_url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
    return listener


async def _post_webhook(base_url: str, text: str) -> tuple[str, int, float]:
    """(wamid, HTTP status, seconds taken)."""
    wamid = f"wamid.REDISDOWN{uuid.uuid4().hex.upper()}"
    body = dumps(
        text_message_envelope(
            phone_number_id=SIMULATED_PHONE_NUMBER_ID,
            display_phone_number=SIMULATED_DISPLAY_NUMBER,
            wa_id=CUSTOMER_WA_ID,
            name="Cliente Sem Redis",
            text=text,
            wamid=wamid,
        )
    )
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        response = await http.post(
            "/webhook/whatsapp",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(body, APP_SECRET),
            },
        )
    return wamid, response.status_code, time.monotonic() - started


async def _rows(database_url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await pg_connect(database_url)
    try:
        rows: list[asyncpg.Record] = await conn.fetch(query, *args)
        return rows
    finally:
        await conn.close()


async def _wait_subscribed(deployment: Deployment, *, within: float) -> float:
    """Seconds until both api processes listen on the channel again."""
    started = time.monotonic()
    while True:
        try:
            if await deployment.redis.subscribers(deployment.channel) >= 2:
                return time.monotonic() - started
        except (OSError, RedisError):
            pass
        deployment.stack.check("the api processes to subscribe to Redis")
        assert time.monotonic() - started < within, deployment.stack.logs()
        await asyncio.sleep(0.05)


async def _readyz(base_url: str) -> tuple[int, Any]:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"{base_url}/readyz")
    return response.status_code, response.json()


async def test_webhooks_and_sends_survive_redis_and_fan_out_resumes(
    deployment: Deployment, report: Report
) -> None:
    stack, redis, instances = deployment.stack, deployment.redis, deployment.instances
    async with httpx.AsyncClient(base_url=instances[0], timeout=10) as http:
        login = await http.post(
            "/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
    near, far = [await _listen(stack, instance, token) for instance in instances]
    try:
        await _wait_subscribed(deployment, within=10)
        before = f"Antes da queda {uuid.uuid4().hex[:6]}"
        _, status, _ = await _post_webhook(instances[0], before)
        assert status == 200
        await far.wait_for("message:new", before)
        # The worker is up and sending before Redis goes.
        stored = await _rows(
            deployment.database_url, "SELECT conversation_id FROM messages WHERE text = $1", before
        )
        conversation_id = str(stored[0]["conversation_id"])
        warm = await _reply(instances[1], token, conversation_id)
        await _wait_for_status(deployment, warm[0], within=60)

        redis.stop()
        outage_started = time.monotonic()
        # Webhooks to both processes: 200, stored, and each still reaches its own sockets.
        during: list[tuple[str, str, int, float]] = []
        for index in range(OUTAGE_WEBHOOKS):
            text = f"Sem Redis {index} ({uuid.uuid4().hex[:6]})"
            wamid, status, took = await _post_webhook(instances[index % 2], text)
            during.append((text, wamid, status, took))
        assert [d[2] for d in during] == [200] * OUTAGE_WEBHOOKS, during
        stored = await _rows(
            deployment.database_url,
            "SELECT wamid, conversation_id FROM messages WHERE wamid = ANY($1::text[])",
            [d[1] for d in during],
        )
        assert len(stored) == OUTAGE_WEBHOOKS
        for index, (text, *_rest) in enumerate(during):
            await (near if index % 2 == 0 else far).wait_for("message:new", text)

        ready = [await _readyz(instance) for instance in instances]
        for status, body in ready:
            assert status == 200, body
            assert body == {
                "status": "degraded",
                "checks": {"database": "ok", "redis": "unavailable"},
            }, body

        # An agent's reply: accepted, then sent by the worker through the fake Graph API.
        reply_id, reply_seconds = await _reply(instances[1], token, conversation_id)
        sent_status = await _wait_for_status(deployment, reply_id, within=30)

        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))
        outage_seconds = time.monotonic() - outage_started
        redis.start()
        await redis.wait_up()
        resubscribed = await _wait_subscribed(deployment, within=RESUME_TIMEOUT)
        ready_again = [await _wait_ready(stack, instance) for instance in instances]
        after = f"Depois da volta {uuid.uuid4().hex[:6]}"
        _, status, _ = await _post_webhook(instances[0], after)
        assert status == 200
        fan_out_seconds = await far.wait_for("message:new", after)
        after_far = f"Depois da volta, do outro lado {uuid.uuid4().hex[:6]}"
        _, status, _ = await _post_webhook(instances[1], after_far)
        assert status == 200
        await near.wait_for("message:new", after_far)
    finally:
        for listener in (near, far):
            await listener.sio.disconnect()

    logs = {p.name: p.log.read_text(errors="replace") for p in stack.processes}
    degraded = {
        name: [line for line in text.splitlines() if "redis" in line.lower() and _is_warning(line)]
        for name, text in logs.items()
    }
    figures = {
        "webhooks_during_outage": len(during),
        "webhook_max_seconds": round(max(d[3] for d in during), 3),
        "reply_accept_seconds": round(reply_seconds, 3),
        "reply_status": sent_status,
        "outage_seconds": round(outage_seconds, 1),
        "resubscribed_after_s": round(resubscribed, 2),
        "ready_again_after_s": [round(s, 2) for s in ready_again],
        "fan_out_after_restart_s": round(fan_out_seconds, 3),
        "degraded_log_lines": {name: len(lines) for name, lines in degraded.items()},
    }
    report("redis down", figures)
    assert max(d[3] for d in during) < FAST_SECONDS, figures
    assert reply_seconds < FAST_SECONDS, figures
    assert resubscribed < RESUBSCRIBE_SECONDS, figures
    for name in ("api-0", "api-1", "worker"):
        assert degraded[name], (name, logs[name][-3000:])
    # Logged once per outage (and once when Redis is back), not once per request.
    assert all(len(lines) <= 6 for lines in degraded.values()), figures


async def _reply(base_url: str, token: str, conversation_id: str) -> tuple[str, float]:
    """An agent's text reply: (message id, seconds until accepted)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        started = time.monotonic()
        reply = await http.post(
            f"/api/conversations/{conversation_id}/messages",
            json={"type": "text", "text": f"Resposta {uuid.uuid4().hex[:6]}"},
            headers={"Authorization": f"Bearer {token}"},
        )
        took = time.monotonic() - started
    assert reply.status_code == 202, reply.text
    return str(reply.json()["id"]), took


def _is_warning(line: str) -> bool:
    return any(level in line for level in ("WARNING", "ERROR"))


async def _wait_for_status(deployment: Deployment, message_id: str, *, within: float) -> str:
    deadline = time.monotonic() + within
    while True:
        rows = await _rows(
            deployment.database_url,
            "SELECT status, wamid FROM messages WHERE id = $1::uuid",
            message_id,
        )
        if rows and rows[0]["status"] in ("sent", "delivered", "read") and rows[0]["wamid"]:
            return str(rows[0]["status"])
        deployment.stack.check(f"message {message_id} to be sent")
        assert time.monotonic() < deadline, (rows, deployment.stack.logs())
        await asyncio.sleep(0.1)


async def _wait_ready(stack: Stack, base_url: str) -> float:
    started = time.monotonic()
    while True:
        status, body = await _readyz(base_url)
        if status == 200 and body["status"] == "ok":
            assert body["checks"] == {"database": "ok", "redis": "ok"}
            return time.monotonic() - started
        stack.check(f"{base_url}/readyz")
        assert time.monotonic() - started < RESUME_TIMEOUT, body
        await asyncio.sleep(0.1)
