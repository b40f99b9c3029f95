"""A Graph API storm, seen by two outbox senders (as two worker processes) sharing a Redis
rate limiter, on PostgreSQL.

A fake Graph API (at the transport level, with Meta's error shapes) serves five numbers:

- two storm numbers go through the phases of the reliability issue: HTTP 429 with code 130429
  and a Retry-After, then 5xx (code 131000), then calls that hang until the client's timeout,
  then healthy. The issue speaks of 30 s per phase; each lasts PHASE_SECONDS here (8 s), with
  a 2 s client timeout and a 2 s Retry-After, so the whole storm takes 24 s;
- one healthy number, to which a message is queued every 0.25 s all through the storm;
- two permanently failing numbers: one always answers 5xx, the other code 190 (invalid
  access token).

Every call is recorded with its time, so the test checks what Meta would see: no call to a
throttled number before its Retry-After ends, retries spread by jitter, never more than the
number's rate in any one-second window, every storm message sent exactly once after the
storm, the healthy number's messages sent on time throughout, and the failing numbers'
messages failed with Meta's code and title.
"""

import asyncio
import itertools
import statistics
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import orjson
import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from atende.contacts.models import Contact
from atende.conversations.models import Conversation
from atende.core.config import Settings
from atende.core.db import Database
from atende.core.types import new_id, utcnow
from atende.messages.models import Direction, Message, MessageStatus
from atende.messages.outbox import OutboxSender
from atende.whatsapp.client import GraphClient
from atende.whatsapp.ratelimit import RedisRateLimiter
from atende.whatsapp.schemas import text_message_body
from tests.conftest import IN_CI
from tests.factories import Factory, ago
from tests.outbox.conftest import Call
from tests.outbox.test_ratelimit import max_in_any_window
from tests.outbox.test_sender import accepted, graph_error
from tests.reliability.conftest import Report

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/0"
STORM = ("150000000000001", "150000000000002")
HEALTHY = "150000000000003"
DEAD_5XX = "150000000000004"
DEAD_TOKEN = "150000000000005"
PHASE_SECONDS = 8.0
PHASES = ("throttled", "server_error", "timeout")
STORM_SECONDS = PHASE_SECONDS * len(PHASES)
RETRY_AFTER = 2.0
TIMEOUT_SECONDS = 2.0
RATE = 10.0
STORM_MESSAGES = 40
DEAD_MESSAGES = 2
HEALTHY_EVERY = 0.25
ON_TIME_SECONDS = 2.0
MAX_ATTEMPTS = 8
# A call that had passed every check when the 429 came back may still go out.
IN_FLIGHT_SLACK = 0.05
FINISH_SECONDS = 60.0


@dataclass
class FakeGraph:
    started: float
    calls: list[Call] = field(default_factory=list)

    def phase(self, number: str, at: float) -> str:
        if number == DEAD_5XX:
            return "server_error"
        if number == DEAD_TOKEN:
            return "invalid_token"
        index = int((at - self.started) // PHASE_SECONDS)
        if number in STORM and index < len(PHASES):
            return PHASES[index]
        return "sent"

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        number = request.url.path.split("/")[2]
        message_id = orjson.loads(request.content)["biz_opaque_callback_data"]
        call = Call(number, message_id, time.monotonic())
        self.calls.append(call)
        call.outcome = self.phase(number, call.at)
        try:
            if call.outcome == "timeout":
                await asyncio.sleep(TIMEOUT_SECONDS)
                raise httpx.ReadTimeout("timed out", request=request)
            if call.outcome == "throttled":
                return graph_error(
                    429, 130429, "Rate limit hit", **{"Retry-After": f"{RETRY_AFTER:g}"}
                )
            if call.outcome == "server_error":
                return graph_error(500, 131000, "Something went wrong")
            if call.outcome == "invalid_token":
                return graph_error(
                    401, 190, "Invalid OAuth access token - Cannot parse access token"
                )
            return accepted(f"wamid.STORM{uuid.uuid4().hex}")
        finally:
            call.answered = time.monotonic()

    def to(self, number: str) -> list[Call]:
        return [c for c in self.calls if c.number == number]


@dataclass
class Thread:
    conversation: Conversation
    contact: Contact


async def add_number(factory: Factory, phone_number_id: str) -> Thread:
    number = await factory.number(phone_number_id=phone_number_id)
    number.send_rate_per_second = RATE
    contact = await factory.contact()
    conversation = await factory.conversation(
        number=number, contact=contact, last_inbound_at=ago(minutes=5)
    )
    await factory.commit()
    return Thread(conversation, contact)


async def queue(db: Database, thread: Thread, count: int) -> list[uuid.UUID]:
    ids = []
    async with db.session() as session:
        for index in range(count):
            message_id = new_id()
            ids.append(message_id)
            session.add(
                Message(
                    id=message_id,
                    conversation_id=thread.conversation.id,
                    direction=Direction.OUTBOUND,
                    type="text",
                    text=f"tempestade {index}",
                    payload=text_message_body(
                        wa_id=thread.contact.wa_id,
                        user_id=None,
                        text=f"tempestade {index}",
                        callback_data=str(message_id),
                    ),
                    status=MessageStatus.QUEUED,
                    attempts=0,
                    next_attempt_at=utcnow(),
                )
            )
        await session.commit()
    return ids


@pytest.fixture
async def redis_prefix(backend: str) -> AsyncIterator[str]:
    if backend != "postgresql":
        pytest.skip("the storm runs on PostgreSQL, as scaled mode does")
    redis = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await redis.ping()
    except OSError:
        await redis.aclose()
        if IN_CI:
            pytest.fail("Redis is required in CI")
        pytest.skip("Redis not available")
    prefix = f"atende-storm:{uuid.uuid4().hex}"
    yield prefix
    keys = [k async for k in redis.scan_iter(f"{prefix}:*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


async def test_a_graph_storm_is_ridden_out_without_breaking_meta_s_limits(
    factory: Factory,
    db: Database,
    database_url: str,
    settings: Settings,
    redis_prefix: str,
    report: Report,
) -> None:
    storm = [await add_number(factory, number) for number in STORM]
    healthy = await add_number(factory, HEALTHY)
    dead_5xx = await add_number(factory, DEAD_5XX)
    dead_token = await add_number(factory, DEAD_TOKEN)
    config = settings.model_copy(
        update={
            "send_concurrency": 16,
            "send_batch_size": 16,
            "send_poll_seconds": 0.05,
            "send_claim_seconds": 10.0,
            "send_backoff_base_seconds": 0.5,
            "send_backoff_cap_seconds": 4.0,
            "send_max_attempts": MAX_ATTEMPTS,
            "send_rate_per_second": RATE,
        }
    )
    graph = FakeGraph(started=time.monotonic())
    databases = [Database(database_url), Database(database_url)]
    clients = [
        GraphClient.from_settings(
            config, timeout=httpx.Timeout(TIMEOUT_SECONDS), transport=httpx.MockTransport(graph)
        )
        for _ in databases
    ]
    senders = [
        OutboxSender(
            database,
            config,
            graph=client,
            limiter=RedisRateLimiter.from_url(REDIS_URL, prefix=redis_prefix),
            secret=config.resolved_jwt_secret(),
        )
        for database, client in zip(databases, clients, strict=True)
    ]
    storm_ids = [mid for thread in storm for mid in await queue(db, thread, STORM_MESSAGES)]
    dead_5xx_ids = await queue(db, dead_5xx, DEAD_MESSAGES)
    dead_token_ids = await queue(db, dead_token, DEAD_MESSAGES)
    queued_at: dict[str, float] = {}

    async def trickle() -> None:
        while time.monotonic() - graph.started < STORM_SECONDS:
            (message_id,) = await queue(db, healthy, 1)
            queued_at[str(message_id)] = time.monotonic()
            await asyncio.sleep(HEALTHY_EVERY)

    async def settled() -> bool:
        async with db.session() as s:
            return not await s.scalar(
                select(Message.id).where(Message.status == MessageStatus.QUEUED).limit(1)
            )

    for sender in senders:
        sender.start()
    try:
        await trickle()
        for _ in range(int(FINISH_SECONDS / 0.1)):
            if await settled():
                break
            await asyncio.sleep(0.1)
        finished = time.monotonic() - graph.started
    finally:
        for sender in senders:
            await sender.stop()
            await sender.aclose()
        for client in clients:
            await client.aclose()
        for database in databases:
            await database.dispose()

    async with db.session() as s:
        rows = {str(m.id): m for m in await s.scalars(select(Message))}
    sent = Counter(c.message_id for c in graph.calls if c.outcome == "sent")
    per_number = {number: graph.to(number) for number in (*STORM, HEALTHY, DEAD_5XX)}
    busiest = {n: max_in_any_window([c.at for c in calls]) for n, calls in per_number.items()}
    too_early = [
        (round(throttle.answered - graph.started, 3), round(call.at - graph.started, 3))
        for number in STORM
        for throttle in graph.to(number)
        if throttle.outcome == "throttled"
        for call in graph.to(number)
        if throttle.answered + IN_FLIGHT_SLACK < call.at < throttle.answered + RETRY_AFTER
    ]
    retries = [
        later.at - earlier.at
        for message_id in storm_ids
        for earlier, later in itertools.pairwise(
            [c for c in graph.calls if c.message_id == str(message_id)]
        )
    ]
    sent_at = {c.message_id: c.answered for c in graph.calls if c.outcome == "sent"}
    healthy_latency = {
        message_id: sent_at[message_id] - at
        for message_id, at in queued_at.items()
        if message_id in sent_at
    }
    last_storm_send = max(
        (c.answered for c in graph.calls if c.number in STORM and c.outcome == "sent"), default=0.0
    )
    figures = {
        "messages": len(rows),
        "calls": len(graph.calls),
        "calls_by_outcome": dict(Counter(c.outcome for c in graph.calls)),
        "sent_twice": sum(1 for n in sent.values() if n > 1),
        "max_calls_in_1s_by_number": busiest,
        "rate_limit": RATE,
        "calls_inside_retry_after": len(too_early),
        "retries": len(retries),
        "distinct_retry_gaps_ms": len({round(g * 1000) for g in retries}),
        "retry_gap_stdev_s": round(statistics.pstdev(retries), 3) if retries else None,
        "max_attempts_storm": max(rows[str(i)].attempts for i in storm_ids),
        "healthy_messages": len(queued_at),
        "healthy_max_latency_s": round(max(healthy_latency.values(), default=0.0), 3),
        "storm_seconds": STORM_SECONDS,
        "storm_drained_after_s": round(last_storm_send - graph.started - STORM_SECONDS, 2),
        "finished_after_s": round(finished, 1),
    }
    report("graph storm", figures)

    # Every storm and healthy message is sent, exactly once, with its wamid.
    for message_id in [*storm_ids, *queued_at]:
        row = rows[str(message_id)]
        assert (row.status, bool(row.wamid)) == (MessageStatus.SENT, True), (row.id, figures)
    assert figures["sent_twice"] == 0, figures
    assert sum(sent.values()) == len(storm_ids) + len(queued_at), figures
    # The failing numbers end failed, with Meta's reason.
    for message_id in dead_5xx_ids:
        row = rows[str(message_id)]
        assert (row.status, row.error_code, row.error_title) == (
            MessageStatus.FAILED,
            131000,
            "Something went wrong",
        )
        assert row.attempts == MAX_ATTEMPTS
    for message_id in dead_token_ids:
        row = rows[str(message_id)]
        assert (row.status, row.error_code, row.error_title) == (
            MessageStatus.FAILED,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        )
        assert row.attempts == 1
    # Meta's limits: Retry-After, and the number's rate in every one-second window.
    assert too_early == [], figures
    assert max(busiest.values()) <= RATE, figures
    # Retries are spread out, not in lockstep.
    assert len(retries) >= 10, figures
    assert figures["distinct_retry_gaps_ms"] >= len(retries) * 0.8, figures
    assert figures["retry_gap_stdev_s"] > 0.2, figures
    # The storm and the dead numbers never held the healthy number up.
    assert len(healthy_latency) == len(queued_at) >= STORM_SECONDS / HEALTHY_EVERY * 0.8
    assert max(healthy_latency.values()) <= ON_TIME_SECONDS, figures
