"""Random and mutated signed envelopes: never a 5xx, never a partial write.

The whole POST is one transaction and parsing is total, so a poisoned item cannot cost the
valid ones: it is stored as `unsupported` (it has a wamid and a sender) or skipped (it has
not). The oracle is the parser: every non-reaction message it yields for the known number
must be stored after the 200.
"""

import copy
import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from atende.core.db import Database, Event
from atende.messages.models import Message
from atende.numbers.models import Number
from atende.whatsapp.parser import parse_body
from tests.webhook import helpers as h
from tests.webhook.strategies import BASE_CONTACTS, BASE_MESSAGES, envelopes, fresh_id, junk

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def _check(client: httpx.AsyncClient, db: Database, body: bytes, events: list[Event]) -> None:
    before = len(events)
    response = await h.post_body(client, body)

    assert response.status_code == 200, response.text
    parsed = parse_body(body)
    expected = {
        m.wamid
        for change in parsed.changes
        if change.phone_number_id == h.PHONE_NUMBER_ID
        for m in change.messages
        if m.reaction is None
    }
    async with db.session() as s:
        stored = set(await s.scalars(select(Message.wamid).where(Message.wamid.in_(expected))))
    assert stored == expected
    new = [e for e in events[before:] if e.name == "message:new"]
    assert {e.payload["message"]["wamid"] for e in new} <= expected | {
        m.wamid for c in parsed.changes for m in c.messages
    }


@PROPERTY_SETTINGS
@given(envelope=envelopes())
async def test_mutated_envelopes_never_fail_nor_lose_valid_items(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event], envelope: Any
) -> None:
    await _check(client, db, json.dumps(envelope).encode(), events)


@PROPERTY_SETTINGS
@given(
    good=st.lists(st.sampled_from(BASE_MESSAGES), min_size=1, max_size=4),
    poison=junk,
    position=st.integers(0, 4),
)
async def test_poisoned_item_does_not_cost_the_valid_ones(
    client: httpx.AsyncClient,
    number: Number,
    db: Database,
    events: list[Event],
    good: list[dict[str, Any]],
    poison: Any,
    position: int,
) -> None:
    messages: list[Any] = []
    for item in good:
        fresh = copy.deepcopy(item)
        fresh["id"] = fresh_id(fresh["id"])
        if fresh.get("type") == "reaction":
            fresh["type"] = "text"  # keep every good item a bubble the oracle can count
            fresh["text"] = {"body": "was a reaction"}
        messages.append(fresh)
    messages.insert(min(position, len(messages)), poison)
    envelope = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"phone_number_id": h.PHONE_NUMBER_ID},
                            "contacts": BASE_CONTACTS[:1],
                            "messages": messages,
                        },
                    }
                ],
            }
        ],
    }
    body = json.dumps(envelope).encode()

    await _check(client, db, body, events)

    good_ids = {m["id"] for m in messages if m is not poison}
    async with db.session() as s:
        stored = set(await s.scalars(select(Message.wamid).where(Message.wamid.in_(good_ids))))
    assert stored == good_ids
