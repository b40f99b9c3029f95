"""Per-number lanes: claims shared out in turns, Meta's Retry-After honoured by every call to
the throttled number (in this sender and in the others), and a circuit that probes a failing
number one call at a time instead of hammering it."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from redis.asyncio import Redis
from sqlalchemy import event, select

from atende.contacts.models import Contact
from atende.conversations.models import Conversation
from atende.core.config import Settings
from atende.core.db import Database
from atende.core.types import utcnow
from atende.messages import outbox_store
from atende.messages.models import Message, MessageStatus
from atende.messages.outbox import OutboxSender
from atende.messages.outbox_lanes import FAILURES_TO_OPEN
from atende.numbers.models import Number
from atende.whatsapp.client import GraphClient
from atende.whatsapp.ratelimit import RateLimiter, RedisRateLimiter, TokenBucket
from tests.factories import Factory, ago
from tests.outbox.conftest import Call, queue
from tests.outbox.test_sender import accepted, graph_error

REDIS_URL = "redis://127.0.0.1:6379/0"
RETRY_AFTER = 1.0
# A call that had already passed every check when the 429 came back may still go out.
IN_FLIGHT_SLACK = 0.05


@dataclass
class FakeGraph:
    """Meta at the transport level: `answer(number, call)` decides each response."""

    answer: Callable[[str, Call], Awaitable[httpx.Response]]
    calls: list[Call] = field(default_factory=list)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        number = request.url.path.split("/")[2]
        body = orjson.loads(request.content)
        call = Call(number, body["biz_opaque_callback_data"], time.monotonic())
        self.calls.append(call)
        return await self.answer(number, call)

    def client(self) -> GraphClient:
        return GraphClient(
            base_url="https://graph.test", version="v25.0", transport=httpx.MockTransport(self)
        )

    def to(self, number: str) -> list[Call]:
        return [c for c in self.calls if c.number == number]


@dataclass
class Numbers:
    """Numbers with one conversation each, to queue outbound messages on."""

    factory: Factory
    threads: dict[str, tuple[Conversation, Contact]] = field(default_factory=dict)

    async def add(self, phone_number_id: str, *, rate: float | None = None) -> None:
        number = await self.factory.number(phone_number_id=phone_number_id)
        number.send_rate_per_second = rate
        contact = await self.factory.contact()
        conversation = await self.factory.conversation(
            number=number, contact=contact, last_inbound_at=ago(minutes=5)
        )
        await self.factory.commit()
        self.threads[phone_number_id] = (conversation, contact)

    async def queue(self, phone_number_id: str, count: int) -> list[Message]:
        conversation, contact = self.threads[phone_number_id]
        return await queue(self.factory, conversation, contact, count=count)


@pytest.fixture
def numbers(factory: Factory) -> Numbers:
    return Numbers(factory)


async def run_until(
    senders: list[OutboxSender], done: Callable[[], Awaitable[bool]], *, within: float
) -> None:
    for sender in senders:
        sender.start()
    try:
        for _ in range(int(within / 0.02)):
            if await done():
                break
            await asyncio.sleep(0.02)
    finally:
        for sender in senders:
            await sender.stop()


async def statuses(db: Database) -> list[MessageStatus]:
    async with db.session() as s:
        return list(await s.scalars(select(Message.status)))


def sender_for(
    db: Database, settings: Settings, graph: FakeGraph, limiter: RateLimiter
) -> OutboxSender:
    return OutboxSender(
        db,
        settings,
        graph=graph.client(),
        limiter=limiter,
        secret=settings.resolved_jwt_secret(),
    )


def calls_during_retry_after(graph: FakeGraph, number: str) -> list[tuple[float, float]]:
    """(429 answered at, a later call at) pairs where the call came before Retry-After ended."""
    calls = graph.to(number)
    throttled = [c.answered for c in calls if c.outcome == "throttled"]
    return [
        (t, c.at)
        for t in throttled
        for c in calls
        if t + IN_FLIGHT_SLACK < c.at < t + RETRY_AFTER - IN_FLIGHT_SLACK
    ]


def throttle_once() -> Callable[[str, Call], Awaitable[httpx.Response]]:
    throttled = False

    async def answer(number: str, call: Call) -> httpx.Response:
        nonlocal throttled
        if not throttled:
            throttled = True
            # Answered a moment later, while other sends already wait for their slots.
            await asyncio.sleep(0.05)
            call.answered = time.monotonic()
            call.outcome = "throttled"
            return graph_error(429, 130429, "Rate limit hit", **{"Retry-After": f"{RETRY_AFTER:g}"})
        call.outcome = "sent"
        return accepted(f"wamid.{uuid.uuid4().hex}")

    return answer


async def test_claims_take_the_numbers_in_turns_within_their_room(
    numbers: Numbers, db: Database
) -> None:
    await numbers.add("111")
    await numbers.add("222")
    await numbers.add("333")
    backlog = await numbers.queue("111", 30)
    await numbers.queue("222", 3)
    await numbers.queue("333", 3)
    # The backlog is the oldest.
    async with db.session() as s:
        for message in backlog:
            row = await s.get(Message, message.id)
            assert row is not None
            row.next_attempt_at = ago(minutes=30)
        await s.commit()

    # Oldest first would have given six of the backlog.
    assert await claim(db, 6, {}) == ["111", "111", "222", "222", "333", "333"]
    # A number without room is passed over; another gets no more than its room.
    assert await claim(db, 6, {"111": 0, "222": 1}) == ["222", "333"]


async def test_a_claim_never_scans_for_messages_of_no_number(
    numbers: Numbers, db: Database
) -> None:
    """A scan that passes over every number finds nothing after walking the whole due
    backlog: with ten numbers at their share it cost 23 ms, dozens of times a second."""
    await numbers.add("111")
    await numbers.add("222")
    await numbers.queue("111", 10)
    await numbers.queue("222", 10)
    scans: list[set[str]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "NOT IN" in statement:
            values = parameters.values() if isinstance(parameters, dict) else parameters
            scans.append({v for v in values if v in ("111", "222")})

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        # Both numbers at their share: nothing to claim, nothing scanned.
        assert await claim(db, 6, {"111": 0, "222": 0}) == []
        # Windows that come back full pass over the numbers they hold, never over both.
        assert len(await claim(db, 2, {})) == 2
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert {"111", "222"} not in scans, scans


async def claim(db: Database, limit: int, room: dict[str, int]) -> list[str]:
    async with db.session() as s:
        claimed = await outbox_store.claim(
            s,
            now=utcnow(),
            lease=timedelta(seconds=60),
            limit=limit,
            room=room,
            default_room=100,
        )
        await s.commit()
    return sorted(c.phone_number_id for c in claimed)


async def test_calls_already_waiting_for_their_slot_honour_retry_after(
    numbers: Numbers, db: Database, outbox_settings: Settings
) -> None:
    """Sends that reserved a rate-limit slot before the 429 came back must not go out inside
    Meta's Retry-After."""
    await numbers.add("111", rate=5.0)
    await numbers.queue("111", 8)
    graph = FakeGraph(throttle_once())
    settings = outbox_settings.model_copy(update={"send_poll_seconds": 0.05})
    sender = sender_for(db, settings, graph, TokenBucket())

    async def done() -> bool:
        return set(await statuses(db)) == {MessageStatus.SENT}

    await run_until([sender], done, within=15)

    assert set(await statuses(db)) == {MessageStatus.SENT}
    assert calls_during_retry_after(graph, "111") == []


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    prefix = f"atende-test:{uuid.uuid4().hex}"
    redis = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await redis.ping()
    except OSError:
        await redis.aclose()
        pytest.skip("Redis not available")
    yield prefix
    keys = [k async for k in redis.scan_iter(f"{prefix}:*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


async def test_a_throttle_seen_by_one_sender_holds_every_sender_back(
    numbers: Numbers, database_url: str, db: Database, outbox_settings: Settings, redis_prefix: str
) -> None:
    """Two worker processes share the number's budget in Redis: the 429 one of them gets
    must stop the other's calls too, until Retry-After ends."""
    await numbers.add("111", rate=20.0)
    await numbers.queue("111", 40)
    graph = FakeGraph(throttle_once())
    settings = outbox_settings.model_copy(
        update={"send_poll_seconds": 0.05, "send_batch_size": 5, "send_concurrency": 8}
    )
    databases = [Database(database_url), Database(database_url)]
    limiters = [RedisRateLimiter.from_url(REDIS_URL, prefix=redis_prefix) for _ in databases]
    senders = [
        sender_for(d, settings, graph, lim) for d, lim in zip(databases, limiters, strict=True)
    ]

    async def done() -> bool:
        return set(await statuses(db)) == {MessageStatus.SENT}

    try:
        await run_until(senders, done, within=20)
    finally:
        for sender in senders:
            await sender.aclose()
        for database in databases:
            await database.dispose()

    assert set(await statuses(db)) == {MessageStatus.SENT}
    assert all(sender.totals.sent for sender in senders)
    assert calls_during_retry_after(graph, "111") == []


async def test_a_failing_number_is_probed_one_call_at_a_time_and_others_go_on(
    numbers: Numbers, db: Database, outbox_settings: Settings
) -> None:
    await numbers.add("111")
    await numbers.add("222")
    await numbers.queue("111", 30)
    in_flight, most_in_flight_after_open = 0, 0
    failures = 0

    async def answer(number: str, call: Call) -> httpx.Response:
        nonlocal in_flight, most_in_flight_after_open, failures
        if number == "222":
            call.outcome = "sent"
            return accepted(f"wamid.{uuid.uuid4().hex}")
        in_flight += 1
        if failures >= FAILURES_TO_OPEN * 4:
            most_in_flight_after_open = max(most_in_flight_after_open, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        failures += 1
        call.outcome = "failed"
        return httpx.Response(503, text="unavailable")

    graph = FakeGraph(answer)
    settings = outbox_settings.model_copy(
        update={
            "send_poll_seconds": 0.02,
            "send_batch_size": 8,
            "send_concurrency": 8,
            "send_backoff_base_seconds": 0.05,
            "send_backoff_cap_seconds": 0.2,
            "send_max_attempts": 1000,
        }
    )
    sender = sender_for(db, settings, graph, TokenBucket())
    sender.start()
    try:
        await asyncio.sleep(0.3)
        healthy = await numbers.queue("222", 5)
        await asyncio.sleep(1.2)
    finally:
        await sender.stop()

    async with db.session() as s:
        sent = await s.scalars(
            select(Message.status).where(Message.id.in_([m.id for m in healthy]))
        )
        assert set(sent) == {MessageStatus.SENT}
        dead = await s.scalars(
            select(Message.attempts)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(Number, Number.id == Conversation.number_id)
            .where(Number.phone_number_id == "111")
        )
        attempts = list(dead)
    # Without a circuit each of the 30 messages is retried every ~0.1 s: hundreds of calls.
    calls = len(graph.to("111"))
    assert calls < 60, calls
    assert sum(attempts) == calls
    # Once the circuit opened, one probe at a time.
    assert most_in_flight_after_open == 1
