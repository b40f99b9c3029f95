"""Redeliveries and racing deliveries store one row, open one conversation, announce once."""

import asyncio

import httpx

from atende.conversations.models import ConversationStatus
from atende.core.db import Database, Event
from atende.numbers.models import Number
from tests.factories import Factory
from tests.webhook import helpers as h


async def test_same_post_twice_stores_once(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event]
) -> None:
    first = await h.post(client, "text")
    second = await h.post(client, "text")

    assert (first.status_code, second.status_code) == (200, 200)
    assert await h.counts(db) == (1, 1, 1)
    assert len(h.named(events, "message:new")) == 1
    assert len(h.named(events, "conversation:updated")) == 1
    [conversation] = await h.conversations(db)
    assert conversation.unread_count == 1


async def test_known_wamid_inside_a_new_batch_is_skipped(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event]
) -> None:
    await h.post(client, "text")
    batch = h.payload("text")
    messages = batch["entry"][0]["changes"][0]["value"]["messages"]
    messages.append({**messages[0], "id": "wamid.FRESH", "text": {"body": "and another"}})

    await h.post(client, batch)

    assert {m.wamid for m in await h.messages(db)} == {messages[0]["id"], "wamid.FRESH"}
    new = h.named(events, "message:new")
    assert [e.payload["message"]["wamid"] for e in new] == [messages[0]["id"], "wamid.FRESH"]


async def test_same_wamid_twice_in_one_post_is_stored_once(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event]
) -> None:
    envelope = h.payload("text")
    messages = envelope["entry"][0]["changes"][0]["value"]["messages"]
    messages.append(dict(messages[0]))

    await h.post(client, envelope)

    assert await h.counts(db) == (1, 1, 1)
    assert len(h.named(events, "message:new")) == 1


async def test_redelivery_after_resolve_does_not_reopen(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database, events: list[Event]
) -> None:
    await h.post(client, "text")
    [conversation] = await h.conversations(db)
    async with db.session() as s:
        stored = await s.get(type(conversation), conversation.id)
        assert stored is not None
        stored.status = ConversationStatus.RESOLVED
        await s.commit()

    await h.post(client, "text")

    assert await h.counts(db) == (1, 1, 1)
    assert len(h.named(events, "conversation:updated")) == 1


async def test_racing_deliveries_store_once(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event]
) -> None:
    responses = await asyncio.gather(*(h.post(client, "text") for _ in range(4)))

    assert [r.status_code for r in responses] == [200] * 4
    assert await h.counts(db) == (1, 1, 1)
    assert len(h.named(events, "message:new")) == 1
    assert len(h.named(events, "conversation:updated")) == 1


async def test_racing_batches_from_the_same_new_customers(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event]
) -> None:
    """Two different deliveries for the same new contacts race on contacts and conversations."""
    first, second = h.payload("multi_batch"), h.payload("multi_batch")
    for envelope, suffix in ((first, "a"), (second, "b")):
        for message in envelope["entry"][0]["changes"][0]["value"]["messages"]:
            message["id"] += suffix

    responses = await asyncio.gather(h.post(client, first), h.post(client, second))

    assert [r.status_code for r in responses] == [200, 200]
    assert await h.counts(db) == (2, 2, 6)
    assert len(h.named(events, "conversation:updated")) == 2
    assert len(h.named(events, "message:new")) == 6
