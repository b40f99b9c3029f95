"""`atende worker` killed with SIGKILL in the middle of sending 1,000 messages through the
simulator (with latency): a second worker finishes the job and nothing is lost.

The window for a double send: from the moment a call reaches Meta until the batch holding its
result (the wamid) is committed. The sender records results in batches while it keeps
sending, so at a kill the messages inside that window are the calls in flight plus the
answered ones not yet written; their claims were never released, and once their lease ends
(SEND_CLAIM_SECONDS) the next worker sends them again, since nothing tells it that Meta
already has them. Everything else is either recorded as sent or was never called. The
simulator counts sends per `biz_opaque_callback_data` (the message id), so the test sees
exactly which messages went out twice, reports how many (`sent_twice`, also in the JUnit
properties), and checks it against what was claimed and unrecorded at the kill.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest

from atende.contacts.models import Contact
from atende.conversations.models import Conversation, ConversationStatus
from atende.core.db import Database
from atende.core.seed import SIMULATED_PHONE_NUMBER_ID
from atende.core.types import new_id, utcnow
from atende.messages.models import Direction, Message, MessageStatus
from atende.numbers.models import Number
from atende.whatsapp.schemas import text_message_body
from tests.conftest import pg_database
from tests.deploy.stack import Stack, atende_env, free_port
from tests.reliability.conftest import Report

pytestmark = pytest.mark.slow

MESSAGES = 1_000
KILL_AFTER = 300
LEASE_SECONDS = 5
CONCURRENCY = 32
LATENCY_MS = 150
CUSTOMER = "5511987650123"


@dataclass
class Deployment:
    stack: Stack
    base_url: str
    database_url: str
    worker_env: dict[str, str]


@pytest.fixture(scope="module")
async def deployment(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Deployment]:
    root: Path = tmp_path_factory.mktemp("crash")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    worker_env = {
        "SEND_CLAIM_SECONDS": str(LEASE_SECONDS),
        "SEND_CONCURRENCY": str(CONCURRENCY),
        "SEND_BATCH_SIZE": str(CONCURRENCY),
        "SEND_RATE_PER_SECOND": "1000",
        "SEND_POLL_SECONDS": "0.1",
    }
    async with pg_database() as database_url:
        env = atende_env(
            root,
            database_url,
            {
                "JWT_SECRET": "crash-jwt-secret-long-enough-for-hs256-signing",
                "WHATSAPP_APP_SECRET": "crash-app-secret",
                "EMBEDDED_WORKER": "false",
                "SIMULATOR_ENABLED": "true",
                "SIMULATOR_BASE_URL": f"{base_url}/simulator",
                "SIMULATOR_WEBHOOK_URL": f"{base_url}/webhook/whatsapp",
                "LOG_LEVEL": "WARNING",
            },
        )
        stack = Stack(root, env)
        try:
            seed_env = {"ADMIN_PASSWORD": "Crash-test-admin-2026!"}
            await asyncio.to_thread(stack.start_api, [port], seed_env=seed_env)
            yield Deployment(stack, base_url, database_url, worker_env)
        finally:
            stack.stop()


async def _queue(database_url: str) -> set[str]:
    db = Database(database_url)
    try:
        async with db.session() as session:
            number = await session.scalar(
                Number.__table__.select().where(Number.phone_number_id == SIMULATED_PHONE_NUMBER_ID)
            )
            assert number is not None
            contact = Contact(wa_id=CUSTOMER, name="Cliente")
            session.add(contact)
            await session.flush()
            now = utcnow()
            conversation = Conversation(
                number_id=number,
                contact_id=contact.id,
                status=ConversationStatus.OPEN,
                last_inbound_at=now - timedelta(minutes=1),
                last_message_at=now,
            )
            session.add(conversation)
            await session.flush()
            ids = set()
            for index in range(MESSAGES):
                message_id = new_id()
                ids.add(str(message_id))
                session.add(
                    Message(
                        id=message_id,
                        conversation_id=conversation.id,
                        direction=Direction.OUTBOUND,
                        type="text",
                        text=f"mensagem {index}",
                        payload=text_message_body(
                            wa_id=CUSTOMER,
                            user_id=None,
                            text=f"mensagem {index}",
                            callback_data=str(message_id),
                        ),
                        status=MessageStatus.QUEUED,
                        attempts=0,
                        next_attempt_at=now,
                    )
                )
            await session.commit()
            return ids
    finally:
        await db.dispose()


async def _counts(conn: asyncpg.Connection) -> tuple[int, int]:
    """(sent, claimed and not yet recorded)."""
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE status = 'sent') AS sent,"
        " count(*) FILTER (WHERE status = 'queued' AND claimed_until > now()) AS in_flight"
        " FROM messages WHERE direction = 'outbound'"
    )
    assert row is not None
    return int(row["sent"]), int(row["in_flight"])


async def test_a_killed_worker_loses_nothing(deployment: Deployment, report: Report) -> None:
    stack = deployment.stack
    async with httpx.AsyncClient(base_url=deployment.base_url) as http:
        control = await http.post(
            "/simulator/_control",
            json={"reset": True, "latency_ms": LATENCY_MS, "webhooks": False},
        )
        assert control.status_code == 200, control.text
    ids = await _queue(deployment.database_url)
    dsn = deployment.database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        stack.env.update(deployment.worker_env)
        first = stack.start_atende("worker-1", "worker")
        deadline = time.monotonic() + 60
        while (await _counts(conn))[0] < KILL_AFTER:
            stack.check("the first worker to send")
            assert time.monotonic() < deadline, stack.logs()
            await asyncio.sleep(0.05)
        first.popen.kill()  # SIGKILL: no drain, no release of its claims
        first.popen.wait(timeout=10)
        killed_at = time.monotonic()
        sent_at_kill, in_flight_at_kill = await _counts(conn)

        stack.start_atende("worker-2", "worker")
        deadline = time.monotonic() + 90
        while (await _counts(conn))[0] < MESSAGES:
            assert time.monotonic() < deadline, stack.logs()
            await asyncio.sleep(0.1)
        finished = time.monotonic() - killed_at
        stored = await conn.fetch(
            "SELECT id, status, wamid, attempts FROM messages WHERE direction = 'outbound'"
        )
    finally:
        await conn.close()
    async with httpx.AsyncClient(base_url=deployment.base_url) as http:
        simulator = (await http.get("/simulator/_control")).json()

    duplicates: dict[str, int] = simulator["duplicates"]
    figures = {
        "messages": MESSAGES,
        "sent_at_kill": sent_at_kill,
        "in_flight_at_kill": in_flight_at_kill,
        "accepted_by_meta": simulator["accepted"],
        "sent_twice": len(duplicates),
        "seconds_to_finish_after_kill": round(finished, 1),
        "lease_seconds": LEASE_SECONDS,
    }
    report("worker crash", figures)

    # Nothing lost: every message is recorded as sent with a wamid...
    assert {str(row["id"]) for row in stored} == ids
    assert {row["status"] for row in stored} == {"sent"}
    assert all(row["wamid"] for row in stored)
    # ...and every one reached Meta; only what was in flight can have gone twice.
    assert simulator["accepted"] == MESSAGES + sum(n - 1 for n in duplicates.values()), figures
    assert set(duplicates) <= ids
    assert len(duplicates) <= in_flight_at_kill, figures
    assert max(duplicates.values(), default=1) <= 2, figures
