"""PostgreSQL stops for ten seconds while signed webhooks arrive at a steady rate.

The api runs as a real `atende serve` process (no embedded worker) against a private
PostgreSQL cluster this test creates, stops, restarts and removes. Every delivery made while
the database is down must be refused with 503 (so Meta keeps it), `/readyz` must say 503 as
well, and after Meta-style redelivery (every non-200 POSTed again) each message must be stored
exactly once, by the same server process, which recovers without a restart.
"""

import asyncio
import os
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import orjson
import pytest

from atende.whatsapp.envelopes import text_message_envelope
from atende.whatsapp.signature import sign
from tests.conftest import IN_CI
from tests.deploy.stack import Stack, free_port
from tests.reliability.conftest import Report
from tests.reliability.pgcluster import PrivateCluster, available

pytestmark = pytest.mark.slow

APP_SECRET = "outage-app-secret"
PHONE_NUMBER_ID = "109900000000001"
RATE_PER_SECOND = 20
BEFORE_SECONDS = 2.0
OUTAGE_SECONDS = 10.0
AFTER_SECONDS = 3.0


@dataclass
class Delivery:
    wamid: str
    body: bytes
    started: float
    finished: float = 0.0
    statuses: list[int] = field(default_factory=list)


@dataclass
class Deployment:
    cluster: PrivateCluster
    stack: Stack
    base_url: str


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    if not available():
        if IN_CI:
            pytest.fail("PostgreSQL server binaries are required in CI")
        pytest.skip("PostgreSQL server binaries not found")
    created = PrivateCluster.create()
    try:
        created.start()
        yield created
    finally:
        created.remove()


async def _prepare_database(cluster: PrivateCluster) -> None:
    conn = await asyncpg.connect(cluster.admin_dsn)
    try:
        await conn.execute("CREATE DATABASE atende")
    finally:
        await conn.close()


async def _add_number(cluster: PrivateCluster) -> None:
    conn = await asyncpg.connect(cluster.admin_dsn.rsplit("/", 1)[0] + "/atende")
    try:
        await conn.execute(
            "INSERT INTO numbers (id, phone_number_id, display_phone_number, label, is_simulated,"
            " is_active, created_at, updated_at) VALUES (gen_random_uuid(), $1, '15550001111',"
            " 'Outage', false, true, now(), now())",
            PHONE_NUMBER_ID,
        )
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def deployment(
    cluster: PrivateCluster, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Deployment]:
    await _prepare_database(cluster)
    root: Path = tmp_path_factory.mktemp("outage")
    port = free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATA_DIR": str(root / "data"),
        "WEB_DIST": str(root / "no-web"),
        "DATABASE_URL": cluster.url,
        "JWT_SECRET": "outage-jwt-secret-long-enough-for-hs256-signing",
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": "outage-verify",
        "EMBEDDED_WORKER": "false",
        "SIMULATOR_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "LOG_JSON": "false",
    }
    env.pop("REDIS_URL", None)
    stack = Stack(root, env)
    try:
        stack.run_atende("migrate")
        await _add_number(cluster)
        stack.start_atende("api", "serve", "--host", "127.0.0.1", "--port", str(port))
        base_url = f"http://127.0.0.1:{port}"
        await asyncio.to_thread(stack.wait_ok, f"{base_url}/readyz")
        yield Deployment(cluster, stack, base_url)
    finally:
        stack.stop()


def _delivery(index: int) -> Delivery:
    wamid = f"wamid.outage.{index:05d}"
    envelope = text_message_envelope(
        phone_number_id=PHONE_NUMBER_ID,
        display_phone_number="15550001111",
        wa_id=f"55119{index % 40:08d}",
        name=f"Cliente {index % 40}",
        text=f"mensagem {index}",
        wamid=wamid,
    )
    return Delivery(wamid=wamid, body=orjson.dumps(envelope), started=0.0)


async def _post(http: httpx.AsyncClient, delivery: Delivery) -> int:
    try:
        response = await http.post(
            "/webhook/whatsapp",
            content=delivery.body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(delivery.body, APP_SECRET),
            },
        )
        status = response.status_code
    except httpx.TransportError:
        status = 0  # no answer at all: Meta treats it like any non-200
    delivery.statuses.append(status)
    return status


async def test_database_outage_loses_nothing(deployment: Deployment, report: Report) -> None:
    stack, cluster = deployment.stack, deployment.cluster
    api = stack.processes[0]
    pid = api.popen.pid
    deliveries: list[Delivery] = []
    ready: list[tuple[float, int]] = []
    window: dict[str, float] = {}
    tasks: set[asyncio.Task[int]] = set()
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(base_url=deployment.base_url, timeout=15.0, limits=limits) as http:

        async def send(delivery: Delivery) -> int:
            status = await _post(http, delivery)
            delivery.finished = time.monotonic()
            return status

        async def probe_ready() -> None:
            while True:
                try:
                    status = (await http.get("/readyz", timeout=5.0)).status_code
                except httpx.TransportError:
                    status = 0
                ready.append((time.monotonic(), status))
                await asyncio.sleep(0.25)

        async def outage() -> None:
            await asyncio.sleep(BEFORE_SECONDS)
            window["stopping"] = time.monotonic()
            await asyncio.to_thread(cluster.stop)
            window["stopped"] = time.monotonic()
            await asyncio.sleep(OUTAGE_SECONDS)
            window["starting"] = time.monotonic()
            await asyncio.to_thread(cluster.start)
            window["started"] = time.monotonic()

        prober = asyncio.create_task(probe_ready())
        breaker = asyncio.create_task(outage())
        began = time.monotonic()
        total = BEFORE_SECONDS + OUTAGE_SECONDS + AFTER_SECONDS + 2.0
        index = 0
        while time.monotonic() - began < total or not breaker.done():
            delivery = _delivery(index)
            delivery.started = time.monotonic()
            deliveries.append(delivery)
            task = asyncio.create_task(send(delivery))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            index += 1
            await asyncio.sleep(max(0.0, began + index / RATE_PER_SECOND - time.monotonic()))
        await breaker
        if tasks:
            await asyncio.wait(tasks)
        await asyncio.sleep(1.0)
        prober.cancel()

        # Meta redelivers every POST that did not get a 200.
        redeliveries = 0
        for _round in range(30):
            pending = [d for d in deliveries if d.statuses[-1] != 200]
            if not pending:
                break
            for delivery in pending:
                redeliveries += 1
                await _post(http, delivery)
            await asyncio.sleep(0.5)

    during = [
        d for d in deliveries if d.started >= window["stopped"] and d.finished <= window["starting"]
    ]
    first = [d.statuses[0] for d in deliveries]
    figures = {
        "deliveries": len(deliveries),
        "outage_seconds": round(window["starting"] - window["stopped"], 1),
        "during_outage": len(during),
        "first_try_5xx": sum(1 for s in first if s >= 500),
        "first_try_no_answer": first.count(0),
        "redeliveries": redeliveries,
        "first_try_statuses": sorted(set(first)),
    }
    report("database outage", figures)

    assert len(during) >= OUTAGE_SECONDS * RATE_PER_SECOND * 0.8, figures
    assert {d.statuses[0] for d in during} == {503}, figures
    assert all(d.statuses[-1] == 200 for d in deliveries), figures
    assert not [s for s in first if s not in (200, 503)], figures
    ready_during = {s for t, s in ready if window["stopped"] <= t <= window["starting"] - 0.5}
    assert ready_during == {503}, ready
    assert ready[-1][1] == 200, ready
    # The same process recovered on its own.
    assert api.alive() and api.popen.pid == pid

    conn = await asyncpg.connect(cluster.admin_dsn.rsplit("/", 1)[0] + "/atende")
    try:
        rows = await conn.fetch(
            "SELECT wamid, count(*) AS n FROM messages WHERE wamid LIKE 'wamid.outage.%' "
            "GROUP BY wamid"
        )
        conversations = await conn.fetchval("SELECT count(*) FROM conversations")
        unread = await conn.fetchval("SELECT sum(unread_count) FROM conversations")
    finally:
        await conn.close()
    stored = {row["wamid"]: row["n"] for row in rows}
    assert set(stored) == {d.wamid for d in deliveries}, figures
    assert set(stored.values()) == {1}
    assert conversations == 40
    assert unread == len(deliveries)
