"""Group commit: deliveries share transactions under load, and never each other's failures."""

import asyncio
from typing import Any

import pytest
from sqlalchemy import event

from atende.core.db import Database, Event
from atende.numbers.models import Number
from atende.webhook.directory import NumberDirectory
from atende.webhook.intake import Intake
from atende.webhook.service import WebhookUnavailable, store
from atende.whatsapp import envelopes
from atende.whatsapp.parser import parse_body
from tests.webhook import helpers as h


def _text(wamid: str, wa_id: str = "447700900123") -> Any:
    return parse_body(
        envelopes.dumps(
            envelopes.text_message_envelope(
                phone_number_id=h.PHONE_NUMBER_ID,
                display_phone_number="15557770100",
                wa_id=wa_id,
                name="Dana",
                text=f"text of {wamid}",
                wamid=wamid,
                timestamp=1767225600,
            )
        )
    )


class _Commits:
    def __init__(self, db: Database) -> None:
        self.count = 0
        self.engine = db.engine.sync_engine

    def __enter__(self) -> "_Commits":
        event.listen(self.engine, "commit", self._on_commit)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "commit", self._on_commit)

    def _on_commit(self, _conn: object) -> None:
        self.count += 1


async def test_deliveries_arriving_together_share_transactions(
    number: Number, db: Database, events: list[Event]
) -> None:
    intake = Intake(db, concurrency=1)

    with _Commits(db) as commits:
        await asyncio.gather(*(intake.receive(_text(f"wamid.G{i}")) for i in range(10)))

    # All ten queued before the first transaction began: they share it.
    assert commits.count == 1
    assert await h.counts(db) == (1, 1, 10)
    assert len(h.named(events, "message:new")) == 10


async def test_batches_respect_their_size_limit(number: Number, db: Database) -> None:
    intake = Intake(db, concurrency=1, max_batch_updates=3)

    with _Commits(db) as commits:
        await asyncio.gather(*(intake.receive(_text(f"wamid.S{i}")) for i in range(7)))

    assert commits.count == 3  # 3 + 3 + 1
    assert await h.counts(db) == (1, 1, 7)


async def test_a_failing_delivery_does_not_cost_the_others(
    number: Number, db: Database, events: list[Event]
) -> None:
    intake = Intake(db, concurrency=1)

    def poison(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if "wamid.POISON" in repr(params):
            raise ConnectionResetError("lost the connection mid-transaction")

    event.listen(db.engine.sync_engine, "before_cursor_execute", poison)
    try:
        results = await asyncio.gather(
            intake.receive(_text("wamid.FIRST")),
            intake.receive(_text("wamid.OK", wa_id="5511900000001")),
            intake.receive(_text("wamid.POISON", wa_id="5511900000002")),
            return_exceptions=True,
        )
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", poison)

    assert results[0] is None and results[1] is None
    assert isinstance(results[2], WebhookUnavailable)
    assert {m.wamid for m in await h.messages(db)} == {"wamid.FIRST", "wamid.OK"}
    wamids = [e.payload["message"]["wamid"] for e in h.named(events, "message:new")]
    assert sorted(wamids) == ["wamid.FIRST", "wamid.OK"]


async def test_empty_envelope_needs_no_transaction(db: Database) -> None:
    intake = Intake(db)

    with _Commits(db) as commits:
        await intake.receive(parse_body(b'{"object": "whatsapp_business_account", "entry": []}'))

    assert commits.count == 0


async def test_concurrent_transactions_for_one_new_customer(
    backend: str, number: Number, db: Database, events: list[Event]
) -> None:
    """Two transactions racing on the same new contact, conversation and wamid."""
    if backend != "postgresql":
        pytest.skip("SQLite has a single writer: its transactions cannot overlap")
    directory = NumberDirectory()

    async def deliver(wamids: list[str]) -> None:
        envelope = _text(wamids[0])
        for extra in wamids[1:]:
            envelope.changes.extend(_text(extra).changes)
        async with db.session() as session:
            await store(session, envelope=envelope, directory=directory)

    await asyncio.gather(
        deliver(["wamid.R1", "wamid.R2"]),
        deliver(["wamid.R2", "wamid.R3"]),
        deliver(["wamid.R3", "wamid.R1"]),
    )

    assert await h.counts(db) == (1, 1, 3)
    assert len(h.named(events, "message:new")) == 3
    assert len(h.named(events, "conversation:updated")) == 1
