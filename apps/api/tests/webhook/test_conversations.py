"""Routing, conversation opening and the conversation's activity columns."""

from datetime import UTC, datetime

import httpx

from atende.conversations.models import ConversationStatus
from atende.core.db import Database, Event
from atende.numbers.models import Number
from atende.teams.models import Team
from tests.factories import Factory
from tests.webhook import helpers as h


def _at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _text(wamid: str, ts: int, body: str = "hi", wa_id: str = "447700900123") -> dict:
    envelope = h.payload("text")
    value = envelope["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = wa_id
    value["contacts"][0].pop("user_id")
    value["messages"][0].update({"id": wamid, "timestamp": str(ts), "from": wa_id})
    value["messages"][0]["text"]["body"] = body
    return envelope


async def test_messages_join_the_open_conversation(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event]
) -> None:
    await h.post(client, _text("wamid.A", 1767225600))
    await h.post(client, _text("wamid.B", 1767225700))

    [conversation] = await h.conversations(db)
    a, b = await h.messages(db)
    assert a.conversation_id == b.conversation_id == conversation.id
    assert conversation.unread_count == 2
    assert conversation.first_inbound_at == _at(1767225600)
    assert conversation.last_inbound_at == _at(1767225700)
    assert conversation.last_message_id == b.id
    assert [e.name for e in events] == ["conversation:updated", "message:new", "message:new"]
    assert events[2].payload["conversation"]["unread_count"] == 2


async def test_window_never_moves_backwards(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    await h.post(client, _text("wamid.NEW", 1767225700))
    await h.post(client, _text("wamid.OLD", 1767225600))  # delivered late

    [conversation] = await h.conversations(db)
    newer = await h.message(db, "wamid.NEW")
    assert conversation.last_inbound_at == _at(1767225700)
    # The first inbound is the earliest message, whichever arrived first.
    assert conversation.first_inbound_at == _at(1767225600)
    assert conversation.last_message_id == newer.id
    assert conversation.last_message_at == _at(1767225700)
    assert conversation.unread_count == 2


async def test_message_after_resolved_opens_a_new_conversation(
    client: httpx.AsyncClient,
    number: Number,
    team: Team,
    factory: Factory,
    db: Database,
    events: list[Event],
) -> None:
    contact = await factory.contact(wa_id="447700900123")
    other_team = await factory.team()
    old = await factory.conversation(
        number=number, contact=contact, team=other_team, status=ConversationStatus.RESOLVED
    )
    await factory.commit()

    await h.post(client, _text("wamid.AFTER", 1767225600))

    old_after, new = await h.conversations(db)
    assert old_after.id == old.id
    assert old_after.status == "resolved"
    assert old_after.unread_count == 0
    assert new.status == "open"
    assert new.contact_id == contact.id
    assert new.team_id == team.id  # the number's default team, not the old one
    assert (await h.message(db, "wamid.AFTER")).conversation_id == new.id
    [opened] = h.named(events, "conversation:updated")
    assert opened.payload["conversation"]["id"] == str(new.id)
    assert opened.payload["conversation"]["team"]["id"] == str(team.id)


async def test_number_without_default_team_opens_unteamed_conversation(
    client: httpx.AsyncClient, factory: Factory, db: Database, events: list[Event]
) -> None:
    await factory.number(phone_number_id=h.PHONE_NUMBER_ID)
    await factory.commit()

    await h.post(client, "text")

    [conversation] = await h.conversations(db)
    assert conversation.team_id is None
    # Visible to every agent (design.md RBAC), so the event goes to the agents' role room.
    assert "role:AGENT" in h.named(events, "message:new")[0].rooms


async def test_every_entry_change_and_message_of_a_batch(
    client: httpx.AsyncClient,
    number: Number,
    factory: Factory,
    db: Database,
    events: list[Event],
) -> None:
    second = await factory.number(phone_number_id=h.OTHER_PHONE_NUMBER_ID)
    dana = await factory.contact(wa_id="447700900123")
    conversation = await factory.conversation(number=number, contact=dana)
    outbound = await factory.message(
        conversation=conversation, direction="outbound", status="sent", wamid="wamid.OUT1"
    )
    await factory.commit()

    response = await h.post(client, "multi_batch")

    assert response.status_code == 200
    assert {m.wamid for m in await h.messages(db)} == {
        "wamid.M1",
        "wamid.M2",
        "wamid.M3",
        "wamid.M4",
        "wamid.OUT1",
    }
    pairs = {(c.number_id, c.contact_id) for c in await h.conversations(db)}
    leo = next(c for c in await h.contacts(db) if c.wa_id == "5511988887777")
    assert pairs == {(number.id, dana.id), (number.id, leo.id), (second.id, dana.id)}
    m1, m3 = await h.message(db, "wamid.M1"), await h.message(db, "wamid.M3")
    assert m1.conversation_id == m3.conversation_id == conversation.id
    assert (await h.message(db, "wamid.OUT1")).status == "delivered"
    assert outbound.id == (await h.message(db, "wamid.OUT1")).id
    assert len(h.named(events, "message:new")) == 4
    assert len(h.named(events, "conversation:updated")) == 2
    assert len(h.named(events, "message:status")) == 1


async def test_change_for_unknown_number_in_a_batch_is_skipped_alone(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    # multi_batch's second entry targets a number Atende does not have.
    response = await h.post(client, "multi_batch")

    assert response.status_code == 200
    assert {m.wamid for m in await h.messages(db)} == {"wamid.M1", "wamid.M2", "wamid.M3"}
