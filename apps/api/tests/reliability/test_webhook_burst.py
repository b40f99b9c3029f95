"""A burst of webhook deliveries, posted concurrently in shuffled order with duplicates and
out-of-order statuses, ends in exactly the state a clean, ordered replay of the same updates
produces in a second database: messages, statuses and their times, conversations, unread
counts and contacts.

2,000 POSTs of 5 updates each (10,000 updates) on PostgreSQL; every non-200 is redelivered,
as Meta does.
"""

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import text

from alembic import command
from atende.contacts.models import Contact
from atende.conversations.models import Conversation, ConversationStatus
from atende.core.config import Environment, Settings
from atende.core.db import Database
from atende.main import create_app
from atende.messages.models import Direction, Message, MessageStatus
from atende.numbers.models import Number
from atende.teams.models import Team
from atende.whatsapp import envelopes
from atende.whatsapp.signature import sign
from tests.conftest import alembic_config, create_pg_database, drop_pg_database, require_pg
from tests.reliability.conftest import Report

pytestmark = pytest.mark.slow

APP_SECRET = "burst-app-secret"
PHONE_NUMBER_ID = "109900000000777"
CUSTOMERS = 150
OUTBOUND = 600
INBOUND = 5_000
POSTS = 2_000
PER_POST = 5
CONCURRENCY = 24
BASE = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())
# Which statuses each outbound message goes through, in true order.
SCENARIOS = [
    ["sent", "delivered", "read"],
    ["sent", "read"],
    ["sent", "delivered"],
    ["sent", "failed"],
    ["sent", "delivered", "read", "played"],
]


def customer(index: int) -> str:
    return f"55119{index:08d}"


@dataclass(frozen=True)
class Update:
    """One item of `value.messages[]` or `value.statuses[]`, with its true order."""

    order: int
    kind: str  # "message" | "status"
    customer: int
    item: dict[str, Any]


def build_updates(rng: random.Random) -> list[Update]:
    updates: list[Update] = []
    for index in range(INBOUND):
        who = rng.randrange(CUSTOMERS)
        ts = BASE + index  # unique: the newest message of a conversation is never a tie
        updates.append(
            Update(
                order=ts,
                kind="message",
                customer=who,
                item=envelopes.text_message(
                    wa_id=customer(who),
                    text=f"mensagem {index} 😮",
                    wamid=f"wamid.burst.in.{index:05d}",
                    timestamp=ts,
                ),
            )
        )
    for index in range(OUTBOUND):
        who = index % CUSTOMERS
        ts = BASE + rng.randrange(INBOUND)
        for step, status in enumerate(SCENARIOS[index % len(SCENARIOS)]):
            errors = (
                [envelopes.error(131026, "Message undeliverable")] if status == "failed" else None
            )
            updates.append(
                Update(
                    order=ts + step,
                    kind="status",
                    customer=who,
                    item=envelopes.status_item(
                        wamid=f"wamid.burst.out.{index:05d}",
                        status=status,
                        recipient_id=customer(who),
                        timestamp=ts + step,
                        errors=errors,
                    ),
                )
            )
    return updates


def envelope(updates: list[Update]) -> bytes:
    value: dict[str, Any] = {
        "contacts": [
            envelopes.contact(wa_id=customer(w), name=f"Cliente {w}")
            for w in sorted({u.customer for u in updates if u.kind == "message"})
        ],
        "messages": [u.item for u in updates if u.kind == "message"],
        "statuses": [u.item for u in updates if u.kind == "status"],
    }
    document = envelopes.wrap(
        phone_number_id=PHONE_NUMBER_ID, display_phone_number="15550007777", value=value
    )
    return orjson.dumps(document)


def burst_bodies(updates: list[Update], rng: random.Random) -> list[bytes]:
    """POSTS envelopes of PER_POST updates: every update at least once, the rest duplicates,
    all in random order (statuses before their predecessors, messages before older ones)."""
    slots = POSTS * PER_POST
    items = list(updates) + [rng.choice(updates) for _ in range(slots - len(updates))]
    rng.shuffle(items)
    return [envelope(items[i : i + PER_POST]) for i in range(0, slots, PER_POST)]


def ordered_bodies(updates: list[Update]) -> list[bytes]:
    ordered = sorted(updates, key=lambda u: u.order)
    return [envelope(ordered[i : i + 100]) for i in range(0, len(ordered), 100)]


@dataclass
class Site:
    db: Database
    client: httpx.AsyncClient


@pytest.fixture
async def sites(tmp_path: Path) -> AsyncIterator[list[Site]]:
    await require_pg()
    urls = [await create_pg_database(), await create_pg_database()]
    made: list[tuple[Site, Any]] = []
    try:
        for url in urls:
            await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
            db = Database(url)
            settings = Settings(
                environment=Environment.TEST,
                data_dir=tmp_path,
                database_url=url,
                jwt_secret="burst-jwt-secret-long-enough-for-hs256-signing",
                whatsapp_app_secret=APP_SECRET,
                embedded_worker=False,
                simulator_enabled=False,
            )
            app = create_app(settings, database=db)
            lifespan = app.router.lifespan_context(app)
            await lifespan.__aenter__()
            transport = httpx.ASGITransport(app=app)
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            made.append((Site(db, client), lifespan))
        yield [site for site, _ in made]
    finally:
        for site, lifespan in made:
            await site.client.aclose()
            await lifespan.__aexit__(None, None, None)
            await site.db.dispose()
        for url in urls:
            await drop_pg_database(url)


async def seed(db: Database) -> None:
    """The number and the outbound messages the statuses are about, identical in both sites."""
    async with db.session() as session:
        team = Team(id=uuid.UUID(int=1), name="Burst")
        number = Number(
            id=uuid.UUID(int=2),
            phone_number_id=PHONE_NUMBER_ID,
            display_phone_number="15550007777",
            label="Burst",
            default_team_id=team.id,
        )
        session.add(team)
        await session.flush()
        session.add(number)
        await session.flush()
        at = datetime.fromtimestamp(BASE - 86_400, UTC)
        for who in range(CUSTOMERS):
            contact = Contact(
                id=uuid.UUID(int=1000 + who), wa_id=customer(who), name=f"Cliente {who}"
            )
            conversation = Conversation(
                id=uuid.UUID(int=5000 + who),
                number_id=number.id,
                contact_id=contact.id,
                team_id=team.id,
                status=ConversationStatus.OPEN,
                last_message_at=at,
                created_at=at,
            )
            session.add(contact)
            await session.flush()
            session.add(conversation)
        await session.flush()
        for index in range(OUTBOUND):
            session.add(
                Message(
                    id=uuid.UUID(int=100_000 + index),
                    conversation_id=uuid.UUID(int=5000 + index % CUSTOMERS),
                    direction=Direction.OUTBOUND,
                    wamid=f"wamid.burst.out.{index:05d}",
                    type="text",
                    text=f"resposta {index}",
                    status=MessageStatus.SENT,
                    timestamp=at,
                    created_at=at,
                )
            )
        await session.commit()


async def post_all(
    client: httpx.AsyncClient, bodies: list[bytes], concurrency: int
) -> dict[str, int]:
    """POSTs every body, redelivering each non-200 (after a pause) until it is accepted."""
    figures = {"posts": 0, "non_200": 0}
    gate = asyncio.Semaphore(concurrency)

    async def deliver(body: bytes) -> None:
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(body, APP_SECRET),
        }
        for attempt in range(20):
            async with gate:
                response = await client.post("/webhook/whatsapp", content=body, headers=headers)
            figures["posts"] += 1
            if response.status_code == 200:
                return
            assert response.status_code == 503, response.text
            figures["non_200"] += 1
            await asyncio.sleep(0.05 * (attempt + 1))
        raise AssertionError("a delivery was never accepted")

    await asyncio.gather(*(deliver(body) for body in bodies))
    return figures


STATE_QUERIES = {
    "messages": """
        SELECT m.wamid, m.direction, m.type, m.text, m.status, m.timestamp, m.sent_at,
               m.delivered_at, m.read_at, m.error_code, m.error_title, k.wa_id
        FROM messages m JOIN conversations v ON v.id = m.conversation_id
        JOIN contacts k ON k.id = v.contact_id ORDER BY m.wamid""",
    "conversations": """
        SELECT k.wa_id, v.status, v.team_id, v.unread_count, v.last_inbound_at,
               v.first_inbound_at, v.last_message_at, last.wamid
        FROM conversations v JOIN contacts k ON k.id = v.contact_id
        LEFT JOIN messages last ON last.id = v.last_message_id ORDER BY k.wa_id, v.created_at""",
    "contacts": "SELECT wa_id, user_id, name FROM contacts ORDER BY wa_id",
    "pending_statuses": "SELECT wamid, status FROM pending_statuses ORDER BY wamid, status",
}


async def state(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    async with db.engine.connect() as conn:
        return {
            name: [tuple(row) for row in await conn.execute(text(sql))]
            for name, sql in STATE_QUERIES.items()
        }


async def test_a_concurrent_shuffled_burst_ends_as_an_ordered_replay(
    sites: list[Site], report: Report
) -> None:
    burst, replay = sites
    rng = random.Random(20261129)
    updates = build_updates(rng)
    bodies = burst_bodies(updates, rng)
    for site in sites:
        await seed(site.db)

    started = time.monotonic()
    figures = await post_all(burst.client, bodies, CONCURRENCY)
    figures["burst_seconds"] = round(time.monotonic() - started, 1)
    figures["updates"] = POSTS * PER_POST
    figures["unique_updates"] = len(updates)
    await post_all(replay.client, ordered_bodies(updates), 1)
    report("webhook burst", figures)

    got, expected = await state(burst.db), await state(replay.db)
    for name in STATE_QUERIES:
        difference = sorted(set(got[name]) ^ set(expected[name]), key=str)[:6]
        assert got[name] == expected[name], (name, difference)
    assert len(got["messages"]) == INBOUND + OUTBOUND
    assert got["pending_statuses"] == []
    assert sum(row[3] for row in got["conversations"]) == INBOUND
