"""One number's broken Graph calls must not hold up every other number's messages."""

import asyncio
import time
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from atende.conversations.models import Conversation
from atende.core.config import Settings
from atende.core.db import Database
from atende.core.types import new_id, utcnow
from atende.messages.models import Direction, Message, MessageStatus
from atende.messages.outbox import OutboxSender
from atende.numbers.models import Number
from atende.whatsapp.client import GraphClient
from atende.whatsapp.ratelimit import TokenBucket
from atende.whatsapp.schemas import text_message_body
from tests.factories import Factory, ago

BROKEN, HEALTHY = "100000000000001", "100000000000002"
HANG_SECONDS = 0.3


async def queue(factory: Factory, phone_number_id: str, count: int, *, age: float) -> None:
    number = await factory.number(phone_number_id=phone_number_id)
    contact = await factory.contact()
    conversation = await factory.conversation(
        number=number, contact=contact, last_inbound_at=ago(minutes=5)
    )
    due = utcnow() - timedelta(seconds=age)
    for i in range(count):
        message_id = new_id()
        factory.session.add(
            Message(
                id=message_id,
                conversation_id=conversation.id,
                direction=Direction.OUTBOUND,
                type="text",
                text=f"m{i}",
                payload=text_message_body(
                    wa_id=contact.wa_id, user_id=None, text=f"m{i}", callback_data=str(message_id)
                ),
                status=MessageStatus.QUEUED,
                attempts=0,
                next_attempt_at=due,
            )
        )
    await factory.commit()


async def sent_count(db: Database, phone_number_id: str) -> int:
    async with db.session() as s:
        stmt = (
            select(func.count())
            .select_from(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(Number, Number.id == Conversation.number_id)
            .where(Number.phone_number_id == phone_number_id, Message.status == MessageStatus.SENT)
        )
        return int(await s.scalar(stmt) or 0)


async def test_a_number_whose_calls_hang_does_not_starve_the_others(
    factory: Factory, db: Database, settings: Settings
) -> None:
    await queue(factory, BROKEN, 40, age=2.0)
    await queue(factory, HEALTHY, 4, age=1.0)

    async def graph(request: httpx.Request) -> httpx.Response:
        if BROKEN in request.url.path:
            await asyncio.sleep(HANG_SECONDS)
            raise httpx.ReadTimeout("no answer", request=request)
        return httpx.Response(
            200, json={"messaging_product": "whatsapp", "messages": [{"id": f"wamid.{new_id()}"}]}
        )

    config = settings.model_copy(
        update={
            "send_concurrency": 4,
            "send_batch_size": 4,
            "send_poll_seconds": 0.05,
            "send_backoff_base_seconds": 0.01,
            "send_backoff_cap_seconds": 0.05,
            "send_max_attempts": 100,
        }
    )
    client = GraphClient.from_settings(config, transport=httpx.MockTransport(graph))
    sender = OutboxSender(
        db, config, graph=client, limiter=TokenBucket(), secret=config.resolved_jwt_secret()
    )
    started = time.monotonic()
    sender.start()
    try:
        for _ in range(200):
            if await sent_count(db, HEALTHY) == 4:
                break
            await asyncio.sleep(0.05)
        waited = time.monotonic() - started
    finally:
        await sender.stop()
        await sender.aclose()
        await client.aclose()

    # Four healthy sends need one round trip; the broken number's queue holds ten waves of
    # hanging calls (40 messages, 4 slots): the healthy ones must not wait for it.
    assert waited < 4 * HANG_SECONDS, f"healthy number waited {waited:.1f}s"
