"""Every inbound type of cloud-api.md §4 is stored with its summary, media and context."""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from atende.core.db import Database, Event
from atende.numbers.models import Number
from atende.teams.models import Team
from tests.webhook import helpers as h

DANA = "447700900123"
DANA_BSUID = "GB.50918273645501928374"

# fixture -> (wamid, type, text, extra expected columns)
CASES: dict[str, tuple[str, str, str | None, dict[str, Any]]] = {
    "text": (
        "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0E5QkQ0RTk4QTNGMkMxMEQ3N0IA",
        "text",
        "Hi, is my order shipped?",
        {"reply_to_wamid": None, "media_status": None},
    ),
    "text_reply": (
        "wamid.REPLY1",
        "text",
        "It is not here yet",
        {"reply_to_wamid": "wamid.OUTBOUND9"},
    ),
    "image": (
        "wamid.AAA2",
        "image",
        "damaged box",
        {
            "media_id": "1598203344556677",
            "media_mime_type": "image/jpeg",
            "media_sha256": "q3Vv0rJ8Yc2mJ0sH8x0bJm5f1p4W1Yl9n6T0b4kqg2c=",
            "media_status": "pending",
        },
    ),
    "audio_voice": (
        "wamid.VOICE1",
        "audio",
        None,
        {"media_id": "1598203344550010", "media_mime_type": "audio/ogg; codecs=opus"},
    ),
    "audio_file": ("wamid.AUDIO1", "audio", None, {"media_mime_type": "audio/mpeg"}),
    "video": ("wamid.VIDEO1", "video", "unboxing", {"media_mime_type": "video/mp4"}),
    "document": (
        "wamid.DOC1",
        "document",
        "Invoice #7781",
        {"media_filename": "invoice-7781.pdf", "media_mime_type": "application/pdf"},
    ),
    "sticker": ("wamid.STICKER1", "sticker", None, {"media_mime_type": "image/webp"}),
    "location_current": ("wamid.LOC1", "location", "📍 51.5014, -0.1419", {}),
    "location_chosen": (
        "wamid.LOC2",
        "location",
        "📍 Buckingham Palace · London SW1A 1AA · 51.5014, -0.1419",
        {},
    ),
    "contacts": (
        "wamid.CARDS1",
        "contacts",
        "👤 Support Desk (+1 555 777 0100), Ana Lima (+55 11 91234 5678)",
        {},
    ),
    "interactive_button_reply": (
        "wamid.AAA3",
        "interactive",
        "Reschedule",
        {"reply_to_wamid": "wamid.OUTBOUND9"},
    ),
    "interactive_list_reply": (
        "wamid.LIST1",
        "interactive",
        "Order status — Where is my order",
        {"reply_to_wamid": "wamid.OUTBOUND8"},
    ),
    "interactive_nfm_reply": ("wamid.FLOW1", "interactive", "Sent", {}),
    "button": (
        "wamid.AAA4",
        "button",
        "Stop promotions",
        {"reply_to_wamid": "wamid.TEMPLATE55"},
    ),
    "order": ("wamid.ORDER1", "order", "🛒 2x SKU-1, 1x SKU-9 — please gift wrap", {}),
    "system_user_changed_number": (
        "wamid.AAA6",
        "system",
        "User Dana Ruiz changed from 447700900123 to 447700900999",
        {},
    ),
    "unsupported": (
        "wamid.AAA7",
        "unsupported",
        None,
        {"error_code": 131051, "error_title": "Message type unknown"},
    ),
    "unknown_type": ("wamid.POLL9", "unsupported", None, {"error_code": None}),
    # A reaction to a message Atende never stored is kept as a message of its own.
    "reaction": ("wamid.AAA5", "reaction", "👍", {}),
}


@pytest.mark.parametrize("fixture", list(CASES))
async def test_inbound_type_is_stored_with_summary(
    client: httpx.AsyncClient,
    number: Number,
    team: Team,
    db: Database,
    events: list[Event],
    fixture: str,
) -> None:
    wamid, kind, text, extra = CASES[fixture]
    raw = h.payload(fixture)["entry"][0]["changes"][0]["value"]["messages"][0]

    response = await h.post(client, fixture)

    assert response.status_code == 200
    [stored] = await h.messages(db)
    assert (stored.wamid, stored.type, stored.text) == (wamid, kind, text)
    assert stored.direction == "inbound"
    assert stored.status == "received"
    assert stored.payload == raw  # the raw message object, always
    for column, value in extra.items():
        assert getattr(stored, column) == value, column
    expected_at = datetime.fromtimestamp(int(raw["timestamp"]), UTC)
    assert stored.timestamp == expected_at

    [conversation] = await h.conversations(db)
    assert stored.conversation_id == conversation.id
    assert conversation.number_id == number.id
    assert conversation.team_id == team.id  # the number's default team
    assert conversation.status == "open"
    assert conversation.last_inbound_at == expected_at
    assert conversation.first_inbound_at == expected_at
    assert conversation.last_message_id == stored.id
    assert conversation.last_message_at == expected_at
    assert conversation.unread_count == 1

    assert [e.name for e in events] == ["conversation:updated", "message:new"]
    new = events[1].payload
    assert new["message"]["id"] == str(stored.id)
    assert new["message"]["type"] == kind
    assert new["message"]["text"] == text
    assert new["conversation"]["id"] == str(conversation.id)
    assert new["conversation"]["last_message"]["id"] == str(stored.id)
    assert new["conversation"]["unread_count"] == 1
    assert f"team:{team.id}" in events[1].rooms


async def test_media_message_event_carries_pending_media(
    client: httpx.AsyncClient, number: Number, events: list[Event]
) -> None:
    await h.post(client, "document")

    [new] = h.named(events, "message:new")
    media = new.payload["message"]["media"]
    assert media["status"] == "pending"
    assert media["filename"] == "invoice-7781.pdf"
    assert media["caption"] == "Invoice #7781"


async def test_sender_profile_becomes_the_contact(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    await h.post(client, "text")

    [contact] = await h.contacts(db)
    assert (contact.wa_id, contact.user_id, contact.name) == (DANA, DANA_BSUID, "Dana Ruiz")


async def test_bsuid_only_contact_has_no_phone(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event]
) -> None:
    response = await h.post(client, "bsuid_only")

    assert response.status_code == 200
    [contact] = await h.contacts(db)
    assert (contact.wa_id, contact.user_id, contact.name) == (
        None,
        "US.13491208655302741918",
        "Sam",
    )
    [new] = h.named(events, "message:new")
    assert new.payload["conversation"]["contact"]["wa_id"] is None
    assert new.payload["conversation"]["contact"]["user_id"] == "US.13491208655302741918"


async def test_contact_with_both_ids_is_one_contact(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    await h.post(client, "contact_both_ids")

    [contact] = await h.contacts(db)
    assert (contact.wa_id, contact.user_id) == (DANA, DANA_BSUID)


async def test_known_phone_contact_gets_its_bsuid_filled_in(
    client: httpx.AsyncClient, number: Number, db: Database, factory: Any
) -> None:
    existing = await factory.contact(wa_id=DANA, name="Dana (old name)")
    await factory.commit()

    await h.post(client, "contact_both_ids")

    [contact] = await h.contacts(db)
    assert contact.id == existing.id
    assert (contact.wa_id, contact.user_id, contact.name) == (DANA, DANA_BSUID, "Dana Ruiz")


async def test_known_bsuid_contact_gets_its_phone_filled_in(
    client: httpx.AsyncClient, number: Number, db: Database, factory: Any
) -> None:
    existing = await factory.contact(user_id=DANA_BSUID)
    await factory.commit()

    await h.post(client, "text")

    [contact] = await h.contacts(db)
    assert contact.id == existing.id
    assert (contact.wa_id, contact.user_id) == (DANA, DANA_BSUID)


async def test_two_rows_for_one_person_stay_apart_without_errors(
    client: httpx.AsyncClient, number: Number, db: Database, factory: Any
) -> None:
    by_phone = await factory.contact(wa_id=DANA)
    by_bsuid = await factory.contact(user_id=DANA_BSUID)
    await factory.commit()

    response = await h.post(client, "contact_both_ids")

    assert response.status_code == 200
    [stored] = await h.messages(db)
    [conversation] = await h.conversations(db)
    # The phone-keyed row carries the history agents know; the other keeps its BSUID.
    assert conversation.contact_id == by_phone.id
    assert {(c.id, c.wa_id, c.user_id) for c in await h.contacts(db)} == {
        (by_phone.id, DANA, None),
        (by_bsuid.id, None, DANA_BSUID),
    }
    assert stored.conversation_id == conversation.id


async def test_user_changed_number_moves_the_contact(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    await h.post(client, "text")

    await h.post(client, "system_user_changed_number")

    [contact] = await h.contacts(db)
    assert contact.wa_id == "447700900999"
    assert len(await h.messages(db)) == 2
    assert len(await h.conversations(db)) == 1


async def test_unknown_type_keeps_raw_json(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    await h.post(client, "unknown_type")

    stored = await h.message(db, "wamid.POLL9")
    assert stored.type == "unsupported"
    assert stored.payload is not None
    assert stored.payload["type"] == "poll_creation_v9"
    assert stored.payload["poll_creation_v9"]["options"] == ["pizza", "sushi"]
