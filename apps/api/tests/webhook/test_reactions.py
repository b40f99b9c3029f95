"""Reactions attach to their target, count for the 24-hour window and open no bubble."""

from datetime import UTC, datetime

import httpx

from atende.core.db import Database, Event
from atende.messages.models import Direction, MessageStatus
from atende.numbers.models import Number
from tests.factories import Factory
from tests.webhook import helpers as h

DANA = "447700900123"
THUMBS_UP = "\U0001f44d"


async def _outbound(factory: Factory, number: Number, *, reactions: dict[str, str] | None = None):
    contact = await factory.contact(wa_id=DANA, name="Dana Ruiz")
    # Before the fixtures' timestamps (2026-01-01).
    conversation = await factory.conversation(
        number=number, contact=contact, last_inbound_at=datetime(2025, 12, 31, 23, tzinfo=UTC)
    )
    message = await factory.message(
        conversation=conversation,
        direction=Direction.OUTBOUND,
        status=MessageStatus.SENT,
        wamid="wamid.OUTBOUND9",
        at=datetime(2025, 12, 31, 23, 30, tzinfo=UTC),
    )
    if reactions is not None:
        message.reactions = reactions
    await factory.commit()
    return conversation, message


async def test_reaction_attaches_to_its_target(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database, events: list[Event]
) -> None:
    conversation, target = await _outbound(factory, number)

    response = await h.post(client, "reaction")

    assert response.status_code == 200
    [stored] = await h.messages(db)  # no bubble of its own
    assert stored.id == target.id
    assert stored.reactions == {DANA: THUMBS_UP}
    [after] = await h.conversations(db)
    # It counts for the 24-hour window, but is not an unread message.
    assert after.last_inbound_at == datetime.fromtimestamp(1767225900, UTC)
    assert after.unread_count == 0
    assert after.last_message_id == conversation.last_message_id
    assert [e.name for e in events] == ["message:updated"]
    assert events[0].payload["message"]["reactions"] == {DANA: THUMBS_UP}
    assert events[0].payload["conversation"]["id"] == str(conversation.id)


async def test_reaction_removed_with_empty_emoji(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database, events: list[Event]
) -> None:
    await _outbound(factory, number, reactions={DANA: THUMBS_UP, "5511999990000": "❤"})

    await h.post(client, "reaction_removed_empty")

    [stored] = await h.messages(db)
    assert stored.reactions == {"5511999990000": "❤"}
    assert h.named(events, "message:updated")


async def test_reaction_removed_with_absent_emoji(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database
) -> None:
    await _outbound(factory, number, reactions={DANA: THUMBS_UP})

    await h.post(client, "reaction_removed_absent")

    [stored] = await h.messages(db)
    assert stored.reactions is None


async def test_removing_a_reaction_that_is_not_there_changes_nothing(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database, events: list[Event]
) -> None:
    await _outbound(factory, number)

    await h.post(client, "reaction_removed_empty")

    [stored] = await h.messages(db)
    assert stored.reactions is None
    assert events == []


async def test_reaction_to_a_message_in_the_same_delivery(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event]
) -> None:
    text = h.payload("text")
    message = text["entry"][0]["changes"][0]["value"]["messages"][0]
    reaction = h.payload("reaction")["entry"][0]["changes"][0]["value"]["messages"][0]
    reaction["reaction"]["message_id"] = message["id"]
    text["entry"][0]["changes"][0]["value"]["messages"].append(reaction)

    await h.post(client, text)

    [stored] = await h.messages(db)
    assert stored.wamid == message["id"]
    assert stored.reactions == {DANA: THUMBS_UP}
    [conversation] = await h.conversations(db)
    assert conversation.last_inbound_at == datetime.fromtimestamp(1767225900, UTC)
    assert conversation.unread_count == 1
    [new] = h.named(events, "message:new")
    assert new.payload["message"]["reactions"] == {DANA: THUMBS_UP}


async def test_reaction_to_unknown_message_is_kept(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event]
) -> None:
    await h.post(client, "reaction")

    [stored] = await h.messages(db)
    assert (stored.wamid, stored.type, stored.text) == ("wamid.AAA5", "reaction", THUMBS_UP)
    assert stored.payload is not None
    assert stored.payload["reaction"]["message_id"] == "wamid.OUTBOUND9"
    assert h.named(events, "message:new")
