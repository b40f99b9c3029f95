"""Replayed (or late-redelivered) webhooks change nothing and announce nothing, and the
signature check refuses any body or signature that is not exactly right."""

import time
from typing import Any

import httpx
import orjson
from sqlalchemy import text

from atende.core.db import Database, Event
from atende.messages.models import Direction, MessageStatus
from atende.numbers.models import Number
from atende.whatsapp import envelopes
from atende.whatsapp.signature import sign
from tests.factories import Factory, ago
from tests.webhook import helpers as h

TABLES = ("contacts", "conversations", "messages", "pending_statuses", "transfers")
CUSTOMER = "447700900123"
SIGNATURE = "X-Hub-Signature-256"


async def snapshot(db: Database) -> dict[str, list[tuple[str, ...]]]:
    """Every row of the tables a webhook writes, every column (timestamps included)."""
    result = {}
    async with db.engine.connect() as conn:
        for table in TABLES:
            rows = await conn.execute(text(f"SELECT * FROM {table}"))
            result[table] = sorted(tuple(str(v) for v in row) for row in rows)
    return result


def reaction(wamid: str, target: str, emoji: str, at: int) -> bytes:
    document = envelopes.wrap(
        phone_number_id=h.PHONE_NUMBER_ID,
        display_phone_number="15557770100",
        value={
            "contacts": [envelopes.contact(wa_id=CUSTOMER, name="Dana Ruiz")],
            "messages": [
                {
                    "from": CUSTOMER,
                    "id": wamid,
                    "timestamp": str(at),
                    "type": "reaction",
                    "reaction": {"message_id": target, "emoji": emoji},
                }
            ],
        },
    )
    return orjson.dumps(document)


def status(wamid: str, value: str, at: int) -> bytes:
    return orjson.dumps(
        envelopes.status_envelope(
            phone_number_id=h.PHONE_NUMBER_ID,
            display_phone_number="15557770100",
            wamid=wamid,
            status=value,
            recipient_id=CUSTOMER,
            timestamp=at,
        )
    )


async def test_replayed_deliveries_change_nothing_and_emit_nothing(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event]
) -> None:
    names = ["text", "image", "multi_batch", "contacts", "unsupported", "location_chosen"]
    for name in names:
        assert (await h.post(client, name)).status_code == 200
    before, emitted = await snapshot(db), len(events)

    for name in [*names, *reversed(names)]:
        response = await h.post(client, name)
        assert response.status_code == 200, response.text
    merged = envelopes.merge(*(h.payload(name) for name in names))
    assert (await h.post_body(client, orjson.dumps(merged))).status_code == 200

    assert await snapshot(db) == before
    assert events[emitted:] == []


async def test_late_statuses_change_nothing_and_emit_nothing(
    client: httpx.AsyncClient, number: Number, factory: Factory, db: Database, events: list[Event]
) -> None:
    conversation = await factory.conversation(number=number, last_inbound_at=ago(minutes=5))
    await factory.message(
        conversation=conversation,
        direction=Direction.OUTBOUND,
        wamid="wamid.OUT.1",
        status=MessageStatus.QUEUED,
    )
    await factory.commit()
    now = int(time.time())
    bodies = {v: status("wamid.OUT.1", v, now + i) for i, v in enumerate(["sent", "delivered"])}
    bodies["read"] = status("wamid.OUT.1", "read", now + 2)
    for body in bodies.values():
        assert (await h.post_body(client, body)).status_code == 200
    before, emitted = await snapshot(db), len(events)

    for body in [bodies["sent"], bodies["delivered"], bodies["read"], bodies["sent"]]:
        assert (await h.post_body(client, body)).status_code == 200
    failed = orjson.dumps(
        envelopes.status_envelope(
            phone_number_id=h.PHONE_NUMBER_ID,
            display_phone_number="15557770100",
            wamid="wamid.OUT.1",
            status="failed",
            recipient_id=CUSTOMER,
            timestamp=now - 60,
            errors=[envelopes.error(131049, "Not delivered")],
        )
    )
    assert (await h.post_body(client, failed)).status_code == 200

    assert await snapshot(db) == before
    assert events[emitted:] == []


async def test_a_late_redelivered_reaction_does_not_undo_a_newer_one(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event]
) -> None:
    now = int(time.time())
    assert (await h.post(client, "text")).status_code == 200
    target = "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0E5QkQ0RTk4QTNGMkMxMEQ3N0IA"
    thumbs = reaction("wamid.R1", target, "👍", now - 10)
    heart = reaction("wamid.R2", target, "❤️", now)
    assert (await h.post_body(client, thumbs)).status_code == 200
    assert (await h.post_body(client, heart)).status_code == 200
    emitted = len(events)

    assert (await h.post_body(client, thumbs)).status_code == 200

    assert (await h.message(db, target)).reactions == {CUSTOMER: "❤️"}
    assert events[emitted:] == []


async def test_reactions_delivered_out_of_order_end_as_the_customer_left_them(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event]
) -> None:
    """Not a redelivery: each reaction arrives once, newest first. The older ones lose."""
    now = int(time.time())
    assert (await h.post(client, "text")).status_code == 200
    target = "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0E5QkQ0RTk4QTNGMkMxMEQ3N0IA"
    removed = reaction("wamid.R3", target, "", now)
    assert (await h.post_body(client, removed)).status_code == 200
    emitted = len(events)

    for older in (
        reaction("wamid.R2", target, "❤️", now - 5),
        reaction("wamid.R1", target, "👍", now - 9),
    ):
        assert (await h.post_body(client, older)).status_code == 200

    stored = await h.message(db, target)
    assert stored.reactions is None
    assert stored.reactions_at == {CUSTOMER: now}
    assert events[emitted:] == []

    newer = reaction("wamid.R4", target, "🙏", now + 1)
    assert (await h.post_body(client, newer)).status_code == 200
    assert (await h.message(db, target)).reactions == {CUSTOMER: "🙏"}
    assert [e.name for e in events[emitted:]] == ["message:updated"]


# -- signature ---------------------------------------------------------------------------------


def _flip(hex_digit: str) -> str:
    return "0" if hex_digit != "0" else "1"


async def test_a_signature_wrong_in_one_character_anywhere_is_refused(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    body = h.payload_bytes("text")
    digest = sign(body, h.APP_SECRET).removeprefix("sha256=")
    variants = {
        "first": _flip(digest[0]) + digest[1:],
        "last": digest[:-1] + _flip(digest[-1]),
        "middle": digest[:31] + _flip(digest[31]) + digest[32:],
        "one short": digest[:-1],
        "one long": digest + "0",
        "other secret": sign(body, h.APP_SECRET + "x").removeprefix("sha256="),
    }
    for name, candidate in variants.items():
        response = await client.post(
            h.URL,
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": f"sha256={candidate}",
            },
        )
        assert response.status_code == 401, name
        assert response.json()["error"]["code"] == "invalid_signature"
    for name, changed in {
        "trailing newline": body + b"\n",
        "reformatted": orjson.dumps(orjson.loads(body)),
        "empty": b"",
    }.items():
        response = await client.post(h.URL, content=changed, headers=h.signature_headers(body))
        assert response.status_code == 401, name
    assert (await snapshot(db))["messages"] == []


async def test_signature_case_is_accepted_consistently(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    """Hex case carries no information: lower, UPPER or mixed case of the right digest and of
    the prefix are all accepted; the wrong digest in any case is refused."""
    styles = {
        "lower": lambda d: f"sha256={d}",
        "upper": lambda d: f"sha256={d.upper()}",
        "mixed": lambda d: "sha256=" + "".join(c.upper() if i % 2 else c for i, c in enumerate(d)),
        "prefix": lambda d: f"SHA256={d}",
    }
    accepted: list[int] = []
    for index, style in enumerate(styles.values()):
        document: dict[str, Any] = h.payload("text")
        message = document["entry"][0]["changes"][0]["value"]["messages"][0]
        message["id"] = f"wamid.case.{index}"
        body = orjson.dumps(document)
        digest = sign(body, h.APP_SECRET).removeprefix("sha256=")
        wrong = sign(body + b" ", h.APP_SECRET).removeprefix("sha256=")
        refused = await client.post(h.URL, content=body, headers={SIGNATURE: style(wrong)})
        assert refused.status_code == 401, style(wrong)
        response = await client.post(h.URL, content=body, headers={SIGNATURE: style(digest)})
        accepted.append(response.status_code)
    assert accepted == [200, 200, 200, 200]
    stored = (await snapshot(db))["messages"]
    assert len(stored) == 4
