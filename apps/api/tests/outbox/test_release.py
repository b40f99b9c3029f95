"""Releasing claims a stopping sender never started: due now, attempt uncounted, and never
a claim that has since passed to another sender."""

from datetime import timedelta

import httpx
import orjson

from atende.core.db import Database, commit
from atende.messages import outbox_store
from atende.messages.models import MessageStatus
from atende.messages.outbox_store import Claim
from tests.factories import Factory
from tests.outbox.conftest import (
    FakeClock,
    SenderFactory,
    Thread,
    queue,
    reload,
    start_rate_limited,
)
from tests.outbox.test_sender import accepted


async def test_release_puts_claims_back_due_now_but_not_a_newer_claim(
    factory: Factory, thread: Thread, db: Database, clock: FakeClock
) -> None:
    first, second, taken = await queue(factory, thread.conversation, thread.contact, count=3)
    lease = timedelta(seconds=60)
    async with db.session() as session:
        claimed = await outbox_store.claim(session, now=clock.now, lease=lease, limit=10)
        await commit(session)
    assert {c.attempts for c in claimed} == {1}
    # `taken`'s lease ran out and another sender claimed it again (attempt 2).
    clock.advance(61)
    async with db.session() as session:
        again = await outbox_store.claim(session, now=clock.now, lease=lease, limit=10)
        await commit(session)
    assert {c.message_id for c in again} == {first.id, second.id, taken.id}
    async with db.session() as session:
        await outbox_store.release(
            session, [Claim(m.id, 2) for m in (first, second)] + [Claim(taken.id, 1)], now=clock.now
        )
        await commit(session)

    for message in (first, second):
        row = await reload(db, message)
        assert row.status == MessageStatus.QUEUED
        assert row.claimed_until is None
        assert row.next_attempt_at == clock.now
        assert row.attempts == 1
    newer = await reload(db, taken)
    assert newer.attempts == 2
    assert newer.claimed_until == clock.now + lease


async def test_a_sender_reports_the_claims_it_has_not_started_until_it_stops(
    factory: Factory, thread: Thread, make_sender: SenderFactory, db: Database
) -> None:
    def graph(request: httpx.Request) -> httpx.Response:
        return accepted(f"wamid.{orjson.loads(request.content)['biz_opaque_callback_data']}")

    sender, messages = await start_rate_limited(factory, thread, make_sender, graph, count=4)
    held = sender.unstarted_claims()
    rows = [await reload(db, m) for m in messages]
    waiting = {r.id for r in rows if r.status == MessageStatus.QUEUED}
    assert waiting and {c.message_id for c in held} == waiting
    assert {c.attempts for c in held} == {1}

    await sender.stop()
    assert sender.unstarted_claims() == []
