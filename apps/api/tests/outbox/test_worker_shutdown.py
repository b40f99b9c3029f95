"""`atende worker` receives SIGTERM while sending through a fake Graph API with latency: it
exits 0 within SHUTDOWN_GRACE_SECONDS, the calls it had in flight are recorded, nothing is
left claimed with a live lease, and a second worker sends the rest at once (not after the
lease), nothing twice.

The lease is set far longer than the test may take: the second worker can only finish in
time if the first one gave its claims back.
"""

import asyncio
import logging
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families

from atende.core.config import Environment, Settings
from atende.core.db import Database
from atende.core.migrations import upgrade
from atende.whatsapp.simulator import ControlRequest, Simulator, create_simulator_app
from tests.conftest import pg_connect, pg_database
from tests.deploy.stack import Stack, free_port
from tests.factories import Factory, ago
from tests.outbox.conftest import queue

pytestmark = pytest.mark.slow
logger = logging.getLogger(__name__)

MESSAGES = 300
TERM_AFTER = 60
CONCURRENCY = 16
LATENCY_MS = 300
GRACE_SECONDS = 5
LEASE_SECONDS = 120
JWT_SECRET = "shutdown-jwt-secret-long-enough-for-hs256-signing"


@dataclass
class FakeGraph:
    url: str
    simulator: Simulator


@pytest.fixture(scope="module")
def fake_graph() -> Iterator[FakeGraph]:
    """The simulator alone, standing in for graph.facebook.com, on a port of its own."""
    port = free_port()
    app = create_simulator_app(
        Settings(environment=Environment.TEST, jwt_secret="x" * 40, simulator_enabled=True)
    )
    simulator: Simulator = app.state.simulator
    simulator.faults.webhooks = False
    simulator.faults.latency_ms = LATENCY_MS
    config = uvicorn.Config(
        # Calls left hanging by a test are cut when the module is done.
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield FakeGraph(f"http://127.0.0.1:{port}", simulator)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
async def pg_url() -> AsyncIterator[str]:
    async with pg_database() as url:
        await asyncio.to_thread(upgrade, url)
        yield url


def _worker_env(tmp_path: Path, url: str, graph: FakeGraph, *, grace: float) -> dict[str, str]:
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": url,
        "GRAPH_API_BASE_URL": graph.url,
        "WHATSAPP_TOKEN": "shutdown-graph-token",
        "JWT_SECRET": JWT_SECRET,
        "SEND_CLAIM_SECONDS": str(LEASE_SECONDS),
        "SEND_CONCURRENCY": str(CONCURRENCY),
        "SEND_BATCH_SIZE": str(CONCURRENCY),
        "SEND_RATE_PER_SECOND": "1000",
        "SEND_POLL_SECONDS": "0.1",
        "SHUTDOWN_GRACE_SECONDS": str(grace),
        "TEMPLATE_SYNC_SECONDS": "0",
        "LOG_LEVEL": "INFO",
    }
    env.pop("REDIS_URL", None)
    env.pop("METRICS_TOKEN", None)
    return env


@asynccontextmanager
async def _clean(url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the module's database, emptied of messages first."""
    conn = await pg_connect(url)
    try:
        await conn.execute("TRUNCATE messages, conversations, contacts, numbers CASCADE")
        yield conn
    finally:
        await conn.close()


async def _queue_messages(url: str, tmp_path: Path, *, count: int = MESSAGES) -> None:
    db = Database(url)
    try:
        async with db.session() as session:
            factory = Factory(session, Settings(jwt_secret=JWT_SECRET, data_dir=tmp_path))
            number = await factory.number()
            contact = await factory.contact(wa_id="5511987650123")
            conversation = await factory.conversation(
                number=number, contact=contact, last_inbound_at=ago(minutes=5)
            )
            await factory.commit()
            await queue(factory, conversation, contact, count=count)
    finally:
        await db.dispose()


async def _counts(conn: asyncpg.Connection) -> dict[str, int]:
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE status = 'sent') AS sent,"
        " count(*) FILTER (WHERE status = 'queued' AND claimed_until > now()) AS leased,"
        " count(*) FILTER (WHERE status = 'queued' AND claimed_until IS NOT NULL) AS claimed,"
        " count(*) FILTER (WHERE status = 'queued' AND attempts <> 0) AS attempted"
        " FROM messages WHERE direction = 'outbound'"
    )
    assert row is not None
    return dict(row)


async def _exit_code(stack: Stack, name: str, within: float) -> int:
    (process,) = [p for p in stack.processes if p.name == name]
    return await asyncio.to_thread(process.popen.wait, within)


async def test_sigterm_drains_the_worker_and_a_second_one_finishes(
    fake_graph: FakeGraph, pg_url: str, tmp_path: Path
) -> None:
    fake_graph.simulator.control(ControlRequest(reset=True, latency_ms=LATENCY_MS, webhooks=False))
    metrics_port = free_port()
    stack = Stack(tmp_path, _worker_env(tmp_path, pg_url, fake_graph, grace=GRACE_SECONDS))
    async with _clean(pg_url) as conn:
        await _queue_messages(pg_url, tmp_path)
        try:
            stack.start_atende("worker-1", "worker")
            deadline = time.monotonic() + 60
            while (await _counts(conn))["sent"] < TERM_AFTER:
                stack.check("the first worker to send")
                assert time.monotonic() < deadline, stack.logs()
                await asyncio.sleep(0.05)
            at_term = await _counts(conn)
            stack.processes[0].popen.send_signal(signal.SIGTERM)
            termed = time.monotonic()
            first_code = await _exit_code(stack, "worker-1", within=GRACE_SECONDS + 10)
            first_exit = time.monotonic() - termed
            after_first = await _counts(conn)
            accepted_by_first = fake_graph.simulator.accepted

            second = stack.start_atende("worker-2", "worker", "--metrics-port", str(metrics_port))
            deadline = time.monotonic() + 45
            while (await _counts(conn))["sent"] < MESSAGES:
                assert second.alive(), stack.logs()
                assert time.monotonic() < deadline, stack.logs()
                await asyncio.sleep(0.1)
            async with httpx.AsyncClient() as http:
                scraped = await http.get(f"http://127.0.0.1:{metrics_port}/metrics")
            second.popen.send_signal(signal.SIGTERM)
            second_code = await _exit_code(stack, "worker-2", within=GRACE_SECONDS + 10)
        finally:
            stack.stop()

    logs = stack.logs()
    figures = {
        "leased_at_sigterm": at_term["leased"],
        "sent_by_first": after_first["sent"],
        "first_exit_seconds": round(first_exit, 2),
        "grace_seconds": GRACE_SECONDS,
        "lease_seconds": LEASE_SECONDS,
    }
    logger.info("worker shutdown figures: %s", figures)
    # The first worker was mid-batch, and left within the grace with exit code 0...
    assert at_term["leased"] > 0, at_term
    assert first_code == 0, logs
    assert first_exit < GRACE_SECONDS, (first_exit, logs)
    # ...with every call it made recorded, and no claim left: nothing waits for a lease.
    assert after_first["sent"] == accepted_by_first, (after_first, accepted_by_first)
    assert after_first["claimed"] == after_first["leased"] == 0, after_first
    assert after_first["attempted"] == 0, after_first
    assert after_first["sent"] < MESSAGES
    # The second worker sent exactly the rest: each message reached Meta once.
    assert second_code == 0, logs
    assert fake_graph.simulator.accepted == MESSAGES
    assert max(fake_graph.simulator.by_callback.values()) == 1
    assert len(fake_graph.simulator.by_callback) == MESSAGES
    # Its own metrics endpoint counted what it sent.
    assert scraped.status_code == 200, scraped.text
    families = {f.name: f for f in text_string_to_metric_families(scraped.text)}
    sent = {
        s.labels["status"]: s.value
        for s in families["atende_outbound_status_transitions"].samples
        if s.name.endswith("_total")
    }
    assert sent["sent"] == MESSAGES - after_first["sent"]
    # Database-wide gauges come from the api's /metrics only.
    assert "atende_outbox_depth" not in families


async def test_calls_that_outlast_the_grace_are_cut_and_their_claims_released(
    fake_graph: FakeGraph, pg_url: str, tmp_path: Path
) -> None:
    """Meta hangs: the worker still leaves once the grace is over, and gives every claim
    back, so another worker retries the messages without waiting for the lease."""
    grace = 2
    async with _clean(pg_url) as conn:
        await _queue_messages(pg_url, tmp_path, count=CONCURRENCY)
        fake_graph.simulator.control(ControlRequest(reset=True, latency_ms=60_000, webhooks=False))
        stack = Stack(tmp_path, _worker_env(tmp_path, pg_url, fake_graph, grace=grace))
        try:
            worker = stack.start_atende("worker", "worker")
            deadline = time.monotonic() + 30
            while (await _counts(conn))["leased"] < CONCURRENCY:
                assert worker.alive(), stack.logs()
                assert time.monotonic() < deadline, stack.logs()
                await asyncio.sleep(0.05)
            # Every call is now waiting on the fake Graph API.
            await asyncio.sleep(0.5)
            worker.popen.send_signal(signal.SIGTERM)
            termed = time.monotonic()
            code = await _exit_code(stack, "worker", within=grace + 15)
            exited_after = time.monotonic() - termed
            after = await _counts(conn)
        finally:
            fake_graph.simulator.faults.latency_ms = LATENCY_MS
            stack.stop()

    logger.info("hanging calls: exit %.2f s after SIGTERM, grace %s s", exited_after, grace)
    assert code == 0, stack.logs()
    assert grace <= exited_after < grace + 3, (exited_after, stack.logs())
    assert after == {"sent": 0, "leased": 0, "claimed": 0, "attempted": 0}, after
