"""Delivery statuses: monotonic, deduplicated, kept for unknown wamids (cloud-api.md §5)."""

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from atende.core.db import Database, Event, commit
from atende.messages.models import Direction, Message, MessageStatus, PendingStatus
from atende.messages.statuses import apply_pending
from atende.numbers.models import Number
from atende.whatsapp import envelopes
from tests.factories import Factory
from tests.webhook import helpers as h

WAMID = "wamid.OUTBOUND9"
T0 = 1767226200


def _at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _status(status: str, ts: int, wamid: str = WAMID, errors: Any = None) -> dict[str, Any]:
    return envelopes.status_envelope(
        phone_number_id=h.PHONE_NUMBER_ID,
        display_phone_number="15557770100",
        wamid=wamid,
        status=status,
        recipient_id="447700900123",
        timestamp=ts,
        errors=errors,
    )


FAILED = [envelopes.error(131049, "Not delivered to maintain healthy ecosystem", "Try later")]


async def _sent(factory: Factory, number: Number, wamid: str = WAMID) -> Message:
    conversation = await factory.conversation(number=number)
    message = await factory.message(
        conversation=conversation,
        direction=Direction.OUTBOUND,
        status=MessageStatus.SENT,
        wamid=wamid,
    )
    await factory.commit()
    return message


async def test_statuses_in_order_record_each_time(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database, events: list[Event]
) -> None:
    sent = await _sent(factory, number)

    for status, ts in (("sent", T0), ("delivered", T0 + 5), ("read", T0 + 60)):
        assert (await h.post(client, _status(status, ts))).status_code == 200

    stored = await h.message(db, WAMID)
    assert stored.status == "read"
    assert (stored.sent_at, stored.delivered_at, stored.read_at) == (
        _at(T0),
        _at(T0 + 5),
        _at(T0 + 60),
    )
    # `sent` was already the status: only delivered and read are news.
    changes = h.named(events, "message:status")
    assert [e.payload["status"] for e in changes] == ["delivered", "read"]
    assert changes[0].payload == {
        "conversation_id": str(sent.conversation_id),
        "message_id": str(sent.id),
        "wamid": WAMID,
        "status": "delivered",
        "error": None,
    }


async def test_read_before_delivered_wins_and_fills_delivered_at(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database, events: list[Event]
) -> None:
    await _sent(factory, number)

    await h.post(client, _status("read", T0 + 60))
    assert (await h.message(db, WAMID)).delivered_at == _at(T0 + 60)
    await h.post(client, _status("delivered", T0 + 5))  # late: not news, but its time counts

    stored = await h.message(db, WAMID)
    assert stored.status == "read"
    assert stored.read_at == _at(T0 + 60)
    # As if they had come in order (or in one POST): times do not depend on arrival order.
    assert stored.delivered_at == _at(T0 + 5)
    assert [e.payload["status"] for e in h.named(events, "message:status")] == ["read"]


async def test_failed_records_metas_error(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database, events: list[Event]
) -> None:
    await _sent(factory, number, wamid="wamid.OUTBOUND10")

    response = await h.post(client, "status_failed")

    assert response.status_code == 200
    stored = await h.message(db, "wamid.OUTBOUND10")
    assert stored.status == "failed"
    assert stored.error_code == 131049
    assert stored.error_title == (
        "This message was not delivered to maintain healthy ecosystem engagement."
    )
    assert stored.error_details is not None
    assert stored.error_details.startswith("In order to maintain a healthy ecosystem")
    [event] = h.named(events, "message:status")
    assert event.payload["status"] == "failed"
    assert event.payload["error"]["code"] == 131049


async def test_delivered_after_failed_wins_and_keeps_the_error(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database, events: list[Event]
) -> None:
    await _sent(factory, number)

    await h.post(client, _status("failed", T0, errors=FAILED))
    await h.post(client, _status("delivered", T0 + 5))

    stored = await h.message(db, WAMID)
    assert stored.status == "delivered"
    assert stored.error_code == 131049  # kept for audit
    statuses = [e.payload["status"] for e in h.named(events, "message:status")]
    assert statuses == ["failed", "delivered"]


async def test_failed_after_delivered_is_ignored(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database, events: list[Event]
) -> None:
    await _sent(factory, number)

    await h.post(client, _status("delivered", T0))
    await h.post(client, _status("failed", T0 + 5, errors=FAILED))

    stored = await h.message(db, WAMID)
    assert (stored.status, stored.error_code) == ("delivered", None)
    assert len(h.named(events, "message:status")) == 1


async def test_duplicate_status_is_a_no_op(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database, events: list[Event]
) -> None:
    await _sent(factory, number)

    for _ in range(3):
        assert (await h.post(client, _status("delivered", T0))).status_code == 200

    assert (await h.message(db, WAMID)).status == "delivered"
    assert len(h.named(events, "message:status")) == 1


async def test_several_statuses_for_one_message_in_one_post(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database, events: list[Event]
) -> None:
    await _sent(factory, number)
    envelope = _status("read", T0 + 60)
    value = envelope["entry"][0]["changes"][0]["value"]
    value["statuses"].append(
        _status("delivered", T0 + 5)["entry"][0]["changes"][0]["value"]["statuses"][0]
    )

    await h.post(client, envelope)

    stored = await h.message(db, WAMID)
    assert (stored.status, stored.delivered_at) == ("read", _at(T0 + 5))
    assert [e.payload["status"] for e in h.named(events, "message:status")] == ["read"]


async def test_played_beats_read(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database
) -> None:
    await _sent(factory, number)

    await h.post(client, _status("played", T0 + 90))
    await h.post(client, _status("read", T0 + 60))

    stored = await h.message(db, WAMID)
    assert stored.status == "played"
    assert stored.read_at == _at(T0 + 60)


async def test_unknown_status_string_is_ignored(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database, events: list[Event]
) -> None:
    await _sent(factory, number)

    response = await h.post(client, _status("deleted", T0))

    assert response.status_code == 200
    assert (await h.message(db, WAMID)).status == "sent"
    async with db.session() as s:
        assert await h.count(s, PendingStatus) == 0
    assert events == []


async def test_status_for_unknown_wamid_waits_then_applies(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database, events: list[Event]
) -> None:
    await h.post(client, _status("delivered", T0 + 5, wamid="wamid.LATE"))
    await h.post(client, _status("read", T0 + 60, wamid="wamid.LATE"))
    await h.post(client, _status("read", T0 + 60, wamid="wamid.LATE"))  # duplicate
    async with db.session() as s:
        pending = list(await s.scalars(select(PendingStatus).order_by(PendingStatus.status)))
    assert [(p.wamid, p.status) for p in pending] == [
        ("wamid.LATE", "delivered"),
        ("wamid.LATE", "read"),
    ]
    assert events == []

    # The sender stores the wamid from the send response, then applies what waited.
    conversation = await factory.conversation(number=number)
    queued = await factory.message(
        conversation=conversation, direction=Direction.OUTBOUND, status=MessageStatus.QUEUED
    )
    await factory.commit()
    async with db.session() as s:
        message = await s.get(Message, queued.id)
        assert message is not None
        message.wamid = "wamid.LATE"
        message.status = MessageStatus.SENT
        await s.flush()
        await apply_pending(s, ["wamid.LATE"])
        assert events == []  # nothing before commit
        await commit(s)

    stored = await h.message(db, "wamid.LATE")
    assert (stored.status, stored.delivered_at, stored.read_at) == (
        "read",
        _at(T0 + 5),
        _at(T0 + 60),
    )
    async with db.session() as s:
        assert await h.count(s, PendingStatus) == 0
    [event] = h.named(events, "message:status")
    assert event.payload["message_id"] == str(queued.id)
    assert event.payload["status"] == "read"


async def test_apply_pending_without_pending_statuses_does_nothing(
    number: Number, factory: Factory, db: Database, events: list[Event]
) -> None:
    sent = await _sent(factory, number)
    async with db.session() as s:
        await apply_pending(s, [WAMID])
        await commit(s)

    assert (await h.message(db, WAMID)).status == sent.status
    assert events == []


async def test_status_for_an_inbound_wamid_is_ignored(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event]
) -> None:
    await h.post(client, "text")
    wamid = (await h.messages(db))[0].wamid
    assert wamid is not None

    await h.post(client, _status("read", T0, wamid=wamid))

    assert (await h.message(db, wamid)).status == "received"
    assert h.named(events, "message:status") == []
