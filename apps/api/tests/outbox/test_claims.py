"""Claims, leases and races: statuses that beat the send response, dead and slow senders,
shutdown, and several senders draining one queue."""

import asyncio
import uuid
from collections import Counter
from datetime import timedelta

import httpx
import orjson
import respx
from fastapi import FastAPI
from sqlalchemy import func, select

from atende.core.config import Settings
from atende.core.db import Database, Event
from atende.core.types import utcnow
from atende.main import create_app
from atende.messages.models import Message, MessageStatus, PendingStatus
from atende.whatsapp import envelopes
from atende.whatsapp.client import GraphClient
from atende.whatsapp.signature import sign
from tests.factories import Factory
from tests.outbox.conftest import (
    GRAPH_URL,
    PHONE_NUMBER_ID,
    FakeClock,
    SenderFactory,
    Thread,
    queue,
    reload,
    start_rate_limited,
)
from tests.outbox.test_sender import accepted


async def test_statuses_that_arrive_before_the_send_response_are_applied(
    client: httpx.AsyncClient,
    factory: Factory,
    thread: Thread,
    make_sender: SenderFactory,
    db: Database,
    events: list[Event],
) -> None:
    """Meta's webhooks can beat its own HTTP response: delivered and read land while the
    send call is still open, for a wamid Atende has not stored yet."""

    async def graph(request: httpx.Request) -> httpx.Response:
        for status in ("delivered", "read"):
            body = envelopes.dumps(
                envelopes.status_envelope(
                    phone_number_id=PHONE_NUMBER_ID,
                    display_phone_number="15550001111",
                    wamid="wamid.RACE",
                    status=status,
                    recipient_id="5511988887777",
                )
            )
            webhook = await client.post(
                "/webhook/whatsapp",
                content=body,
                headers={"X-Hub-Signature-256": sign(body, "test-app-secret")},
            )
            assert webhook.status_code == 200
        return accepted("wamid.RACE")

    transport_graph = GraphClient(
        base_url="https://graph.test", version="v25.0", transport=httpx.MockTransport(graph)
    )
    (message,) = await queue(factory, thread.conversation, thread.contact)
    assert (await make_sender(graph=transport_graph).run_once()).sent == 1

    stored = await reload(db, message)
    assert (stored.wamid, stored.status) == ("wamid.RACE", MessageStatus.READ)
    assert stored.delivered_at is not None and stored.read_at is not None
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(PendingStatus)) == 0
    assert [e.payload["status"] for e in events if e.name == "message:status"][-1] == "read"


@respx.mock
async def test_a_dead_senders_claim_is_resumed_after_its_lease(
    respx_mock: respx.MockRouter,
    factory: Factory,
    thread: Thread,
    make_sender: SenderFactory,
    db: Database,
    clock: FakeClock,
) -> None:
    route = respx_mock.post(GRAPH_URL).mock(return_value=accepted("wamid.RESUMED"))
    dead, alive = await queue(factory, thread.conversation, thread.contact, count=2)
    # Claimed by senders that are gone (one lease expired) or still working (one not).
    dead.attempts, dead.claimed_until = 1, clock.now - timedelta(seconds=1)
    dead.next_attempt_at = dead.claimed_until
    alive.attempts, alive.claimed_until = 1, clock.now + timedelta(seconds=30)
    alive.next_attempt_at = alive.claimed_until
    await factory.commit()

    assert (await make_sender().run_once()).sent == 1
    assert route.call_count == 1
    resumed = await reload(db, dead)
    assert (resumed.status, resumed.attempts, resumed.wamid) == ("sent", 2, "wamid.RESUMED")
    untouched = await reload(db, alive)
    assert (untouched.status, untouched.attempts) == ("queued", 1)


@respx.mock
async def test_a_slow_sender_cannot_record_over_a_newer_claim(
    respx_mock: respx.MockRouter,
    factory: Factory,
    thread: Thread,
    make_sender: SenderFactory,
    db: Database,
    clock: FakeClock,
) -> None:
    respx_mock.post(GRAPH_URL).mock(side_effect=[accepted("wamid.FAST"), accepted("wamid.SLOW")])
    (message,) = await queue(factory, thread.conversation, thread.contact)
    slow, fast = make_sender(), make_sender()
    (job,) = await slow._claim(10)
    clock.advance(120)  # the slow sender's lease expires
    assert (await fast.run_once()).sent == 1
    late = await slow._attempt_safely(job)
    stats = await slow._record([late])
    assert (stats.lost, stats.sent) == (1, 0)
    stored = await reload(db, message)
    assert (stored.wamid, stored.attempts) == ("wamid.FAST", 2)


async def test_stopping_releases_what_was_not_sent(
    factory: Factory,
    thread: Thread,
    make_sender: SenderFactory,
    outbox_settings: Settings,
    db: Database,
) -> None:
    sent: list[str] = []

    def graph(request: httpx.Request) -> httpx.Response:
        sent.append(orjson.loads(request.content)["biz_opaque_callback_data"])
        return accepted(f"wamid.{len(sent)}")

    sender, messages = await start_rate_limited(factory, thread, make_sender, graph, count=5)
    await sender.stop()

    rows = [await reload(db, m) for m in messages]
    assert len(sent) == sum(r.status == MessageStatus.SENT for r in rows) >= 1
    waiting = [r for r in rows if r.status == MessageStatus.QUEUED]
    assert waiting
    for row in waiting:
        # Released: not claimed, due now, and the attempt it never made is not counted.
        assert row.claimed_until is None
        assert row.attempts == 0
        assert row.next_attempt_at is not None and row.next_attempt_at <= utcnow()


@respx.mock
async def test_the_embedded_sender_sends_right_after_the_request(
    respx_mock: respx.MockRouter,
    settings: Settings,
    db: Database,
    factory: Factory,
    thread: Thread,
) -> None:
    route = respx_mock.post(GRAPH_URL).mock(return_value=accepted("wamid.EMBEDDED"))
    agent = await factory.user(teams=[thread.team])
    await factory.commit()
    app: FastAPI = create_app(
        settings.model_copy(update={"embedded_worker": True, "send_poll_seconds": 30}), database=db
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.post(
                f"/api/conversations/{thread.conversation.id}/messages",
                json={"text": "já vai"},
                headers=factory.auth(agent),
            )
            assert response.status_code == 202
            # Woken by the request, not by the (30 s) poll.
            for _ in range(300):
                if route.called and app.state.outbox.totals.sent:
                    break
                await asyncio.sleep(0.01)
    async with db.session() as s:
        message = await s.get(Message, uuid.UUID(response.json()["id"]))
        assert message is not None
        assert (message.status, message.wamid) == ("sent", "wamid.EMBEDDED")


async def test_two_senders_drain_one_queue_without_sending_anything_twice(
    factory: Factory,
    thread: Thread,
    make_sender: SenderFactory,
    outbox_settings: Settings,
    database_url: str,
    db: Database,
) -> None:
    requests: Counter[str] = Counter()

    async def graph(request: httpx.Request) -> httpx.Response:
        requests[orjson.loads(request.content)["biz_opaque_callback_data"]] += 1
        await asyncio.sleep(0.005)
        return accepted(f"wamid.{sum(requests.values())}.{id(request)}")

    await queue(factory, thread.conversation, thread.contact, count=200)
    # Small batches so the two senders race for rows over and over.
    settings = outbox_settings.model_copy(update={"send_batch_size": 10, "send_concurrency": 8})
    databases = [Database(database_url), Database(database_url)]
    senders = [
        make_sender(
            settings=settings,
            database=database,
            use_clock=False,
            graph=GraphClient(
                base_url="https://graph.test", version="v25.0", transport=httpx.MockTransport(graph)
            ),
        )
        for database in databases
    ]
    for sender in senders:
        sender.start()
    try:
        for _ in range(1000):
            async with db.session() as s:
                left = await s.scalar(
                    select(func.count()).select_from(Message).where(Message.status == "queued")
                )
            if not left:
                break
            await asyncio.sleep(0.02)
    finally:
        for sender in senders:
            await sender.stop()
        for database in databases:
            await database.dispose()

    assert len(requests) == 200
    assert set(requests.values()) == {1}
    if db.dialect == "postgresql":
        # SKIP LOCKED lets both claim at once. SQLite has one writer, so its claims take
        # turns and one sender may legitimately win every batch of a short queue.
        assert all(sender.totals.sent for sender in senders)
    assert sum(sender.totals.sent for sender in senders) == 200
    async with db.session() as s:
        sent = await s.scalar(
            select(func.count(func.distinct(Message.wamid))).where(Message.status == "sent")
        )
    assert sent == 200
