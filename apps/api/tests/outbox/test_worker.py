"""`atende worker` as a process: it sends through a real HTTP fake of the Graph API, logs its
batches, and on SIGTERM stops cleanly, releasing what it had claimed but not sent."""

import asyncio
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from atende.core.config import Environment, Settings
from atende.core.db import Database
from atende.messages.models import MessageStatus
from atende.whatsapp.simulator import create_simulator_app
from tests.factories import Factory
from tests.outbox.conftest import Thread, queue, reload
from tests.whatsapp.test_simulator_e2e import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def fake_graph() -> Iterator[str]:
    """The simulator alone, as a stand-in for graph.facebook.com, on a real port."""
    port = free_port()
    app = create_simulator_app(
        Settings(environment=Environment.TEST, jwt_secret="x" * 40, simulator_enabled=True)
    )
    app.state.simulator.faults.webhooks = False
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


async def test_the_worker_sends_and_releases_its_claims_on_sigterm(
    fake_graph: str,
    factory: Factory,
    thread: Thread,
    settings: Settings,
    database_url: str,
    db: Database,
) -> None:
    # Two sends a second for this number: most of the batch is still waiting at SIGTERM.
    thread.number.send_rate_per_second = 2.0
    await factory.commit()
    messages = await queue(factory, thread.conversation, thread.contact, count=10)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "GRAPH_API_BASE_URL": fake_graph,
        "JWT_SECRET": settings.resolved_jwt_secret(),
        "SEND_POLL_SECONDS": "0.05",
        "LOG_LEVEL": "INFO",
    }
    env.pop("REDIS_URL", None)
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "atende.cli", "worker", env=env, stderr=asyncio.subprocess.PIPE
    )
    assert worker.stderr is not None
    # Read as it comes, so a full pipe never blocks the worker.
    output = asyncio.create_task(worker.stderr.read())
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            rows = [await reload(db, m) for m in messages]
            if any(r.status == MessageStatus.SENT for r in rows):
                break
            await asyncio.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        await asyncio.wait_for(worker.wait(), timeout=30)
    finally:
        if worker.returncode is None:
            worker.kill()
    stderr = (await output).decode()
    assert worker.returncode == 0, stderr
    assert "outbox worker started" in stderr
    assert "outbox batch" in stderr

    rows = [await reload(db, m) for m in messages]
    sent = [r for r in rows if r.status == MessageStatus.SENT]
    waiting = [r for r in rows if r.status == MessageStatus.QUEUED]
    assert sent and waiting and len(sent) + len(waiting) == 10
    assert all(r.wamid and r.wamid.startswith("wamid.") for r in sent)
    for row in waiting:
        assert row.claimed_until is None
        assert row.attempts == 0
