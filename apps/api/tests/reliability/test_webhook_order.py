"""Deliveries that arrive out of order leave the same conversation as in-order ones."""

from datetime import UTC, datetime

import httpx
import orjson

from atende.core.db import Database
from atende.whatsapp import envelopes
from tests.factories import Factory
from tests.webhook import helpers as h

T0 = 1767225600


def inbound(wamid: str, ts: int) -> bytes:
    return orjson.dumps(
        envelopes.text_message_envelope(
            phone_number_id=h.PHONE_NUMBER_ID,
            display_phone_number="15557770100",
            wa_id="447700900123",
            name="Dana",
            text=wamid,
            wamid=wamid,
            timestamp=ts,
        )
    )


async def test_an_older_message_arriving_late_moves_first_inbound_back(
    client: httpx.AsyncClient, factory: Factory, db: Database
) -> None:
    await factory.number(phone_number_id=h.PHONE_NUMBER_ID)
    await factory.commit()

    for wamid, ts in (("wamid.second", T0 + 60), ("wamid.first", T0), ("wamid.third", T0 + 90)):
        assert (await h.post_body(client, inbound(wamid, ts))).status_code == 200

    (conversation,) = await h.conversations(db)
    assert conversation.first_inbound_at == datetime.fromtimestamp(T0, UTC)
    assert conversation.last_inbound_at == datetime.fromtimestamp(T0 + 90, UTC)
    assert conversation.unread_count == 3
    third = await h.message(db, "wamid.third")
    assert conversation.last_message_id == third.id
