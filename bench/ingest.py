"""Webhook ingest benchmark: Atende vs. the floor (HMAC + one asyncpg INSERT), same run.

Signed Meta envelopes — text messages from many contacts mixed with status updates for
earlier outbound messages — are posted by `loadgen.py` in a separate process, one update
per POST and 100 per POST, at saturation and at a fixed 1,000 updates/s.
"""

import argparse
import asyncio
import itertools
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

from atende.core.db import Database
from atende.core.types import utcnow
from atende.whatsapp import envelopes
from atende.whatsapp.signature import sign

from common import (
    APP_SECRET,
    JWT_SECRET,
    REDIS_URL,
    create_database,
    drop_database,
    migrate,
    run_json,
    start_uvicorn,
)

PHONE_NUMBER_ID = "900000000000001"
DISPLAY = "5511900000001"
STATUSES = ("sent", "delivered", "read")
# The history's messages, told apart from the benchmark's when counting what was committed.
HISTORY_WAMIDS = "wamid.EARLIER"


async def add_history(url: str, customers: int = 20_000, messages_each: int = 5) -> None:
    """Earlier customers with resolved conversations and their messages, then `ANALYZE`.

    Webhooks reach a database that has been in use: without this the tables grow from
    nothing within the run, faster than autovacuum analyses them, and the plans PostgreSQL
    caches for each pooled connection while they are nearly empty (sequential scans) stay
    in use after they hold thousands of rows — a state a deployed database is never in for
    long, since each analysis replans.
    """
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            f"""
            INSERT INTO contacts (id, wa_id, name, created_at, updated_at)
            SELECT gen_random_uuid(), '5521' || lpad(i::text, 9, '0'), 'Earlier ' || i,
                   now() - interval '30 days', now() - interval '30 days'
            FROM generate_series(1, {int(customers)}) AS i;
            INSERT INTO conversations (id, number_id, contact_id, status, last_message_at,
                                       last_inbound_at, first_inbound_at, unread_count,
                                       resolved_at, created_at, updated_at)
            SELECT gen_random_uuid(), numbers.id, contacts.id, 'resolved',
                   contacts.created_at, contacts.created_at, contacts.created_at, 0,
                   contacts.created_at, contacts.created_at, contacts.created_at
            FROM contacts, numbers WHERE contacts.name LIKE 'Earlier %';
            INSERT INTO messages (id, conversation_id, direction, wamid, type, text,
                                  is_automated, status, timestamp, is_read_by_agent, attempts,
                                  created_at, updated_at)
            SELECT gen_random_uuid(), conversations.id, 'inbound',
                   '{HISTORY_WAMIDS}' || conversations.id || '.' || n, 'text', 'earlier', false,
                   'received', conversations.created_at, true, 0, conversations.created_at,
                   conversations.created_at
            FROM conversations, generate_series(1, {int(messages_each)}) AS n
            WHERE conversations.status = 'resolved';
            ANALYZE;
            """
        )
    finally:
        await conn.close()


async def prepare(url: str, outbound: int) -> list[str]:
    """A number, one conversation and `outbound` sent messages whose statuses will arrive."""
    from atende.contacts.models import Contact
    from atende.conversations.models import Conversation
    from atende.messages.models import Direction, Message, MessageStatus
    from atende.numbers.models import Number

    db = Database(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    wamids = [f"wamid.BENCH{uuid.uuid4().hex.upper()}" for _ in range(outbound)]
    async with db.session() as session:
        number = Number(
            phone_number_id=PHONE_NUMBER_ID, display_phone_number=DISPLAY, label="Bench"
        )
        contact = Contact(wa_id="5511800000000", name="Bench Outbound")
        session.add_all([number, contact])
        await session.flush()
        conversation = Conversation(
            number_id=number.id, contact_id=contact.id, last_inbound_at=utcnow()
        )
        session.add(conversation)
        await session.flush()
        session.add_all(
            Message(
                conversation_id=conversation.id,
                direction=Direction.OUTBOUND,
                wamid=w,
                type="text",
                text="bench",
                status=MessageStatus.QUEUED,
            )
            for w in wamids
        )
        await session.commit()
    await db.dispose()
    return wamids


def build_updates(count: int, wamids: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """Alternating inbound text messages (5,000 contacts) and statuses for `wamids`."""
    updates: list[tuple[str, dict[str, Any]]] = []
    status_iter = itertools.cycle([(w, s) for s in STATUSES for w in wamids])
    for i in range(count):
        if i % 2 == 0:
            wa_id = f"5511{700000000 + i % 5000:09d}"
            updates.append(("message", {"wa_id": wa_id, "text": f"message {i}"}))
        else:
            wamid, status = next(status_iter)
            updates.append(("status", {"wamid": wamid, "status": status}))
    return updates


def envelope_for(batch: list[tuple[str, dict[str, Any]]]) -> bytes:
    messages = [u for k, u in batch if k == "message"]
    statuses = [u for k, u in batch if k == "status"]
    changes = []
    if messages:
        changes.append(
            {
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {
                        "display_phone_number": DISPLAY,
                        "phone_number_id": PHONE_NUMBER_ID,
                    },
                    "contacts": [
                        envelopes.contact(wa_id=m["wa_id"], name=f"Customer {m['wa_id'][-4:]}")
                        for m in messages
                    ],
                    "messages": [
                        envelopes.text_message(wa_id=m["wa_id"], text=m["text"]) for m in messages
                    ],
                },
            }
        )
    if statuses:
        changes.append(
            {
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {
                        "display_phone_number": DISPLAY,
                        "phone_number_id": PHONE_NUMBER_ID,
                    },
                    "statuses": [
                        {
                            "id": s["wamid"],
                            "status": s["status"],
                            "timestamp": "1767226200",
                            "recipient_id": "5511800000000",
                        }
                        for s in statuses
                    ],
                },
            }
        )
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "880011223344556", "changes": changes}],
    }
    return envelopes.dumps(body)


def write_requests(path: Path, updates: list[tuple[str, dict[str, Any]]], per_post: int) -> int:
    posts = 0
    with path.open("wb") as out:
        for i in range(0, len(updates), per_post):
            body = envelope_for(updates[i : i + per_post])
            head = (
                "POST /webhook/whatsapp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\n"
                f"X-Hub-Signature-256: {sign(body, APP_SECRET)}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            raw = head + body
            out.write(len(raw).to_bytes(4, "big") + raw)
            posts += 1
    return posts


async def count_rows(url: str) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        inbound = await conn.fetchval(
            "SELECT count(*) FROM messages WHERE direction = 'inbound' AND wamid NOT LIKE $1",
            f"{HISTORY_WAMIDS}%",
        )
        floor = await conn.fetchval("SELECT to_regclass('floor_updates') IS NOT NULL")
        floor_rows = await conn.fetchval("SELECT count(*) FROM floor_updates") if floor else 0
    finally:
        await conn.close()
    return {"inbound_messages": inbound, "floor_rows": floor_rows}


def run_phase(url: str, requests_file: Path, rate: float, connections: int) -> dict[str, Any]:
    args = ["loadgen.py", "--url", url, "--requests", str(requests_file)]
    args += ["--connections", str(connections), "--rate", str(rate)]
    return run_json(args)


def measure(label: str, server_url: str, files: dict[str, Path], per_post: int) -> dict[str, Any]:
    saturation = run_phase(server_url, files["saturation"], 0, 16)
    fixed = run_phase(server_url, files["fixed"], 1000 / per_post, 16)
    return {
        "target": label,
        "updates_per_post": per_post,
        "saturation_updates_per_s": round(saturation["requests_per_s"] * per_post, 1),
        "saturation_p50_ms": saturation["p50_ms"],
        "saturation_p99_ms": saturation["p99_ms"],
        "fixed_1000_p50_ms": fixed["p50_ms"],
        "fixed_1000_p99_ms": fixed["p99_ms"],
        "statuses": {"saturation": saturation["statuses"], "fixed": fixed["statuses"]},
    }


async def bench(smoke: bool) -> list[dict[str, Any]]:
    sizes = {1: (200, 200), 100: (1000, 500)} if smoke else {1: (20000, 10000), 100: (60000, 20000)}
    results: list[dict[str, Any]] = []
    for per_post, (saturation_n, fixed_n) in sizes.items():
        # The floor, then Atende with one and with two server processes (what 2 cores run
        # in production), each on a fresh database with the same traffic.
        for label, workers in (("floor", 1), ("atende", 1), ("atende x2", 2)):
            url = await create_database()
            try:
                await asyncio.to_thread(migrate, url)
                wamids = await prepare(url, 2000)
                await add_history(url, customers=200 if smoke else 20_000)
                with tempfile.TemporaryDirectory() as tmp:
                    files = {}
                    for name, n in (("saturation", saturation_n), ("fixed", fixed_n)):
                        files[name] = Path(tmp) / f"{name}.bin"
                        write_requests(files[name], build_updates(n, wamids), per_post)
                    if label == "floor":
                        server = start_uvicorn(
                            "floors.ingest_floor:app",
                            env={"FLOOR_DATABASE_URL": url, "FLOOR_APP_SECRET": APP_SECRET},
                        )
                    else:
                        server = start_uvicorn(
                            "atende.main:create_default_app",
                            factory=True,
                            workers=workers,
                            env={
                                "DATABASE_URL": url,
                                "REDIS_URL": REDIS_URL,
                                "WHATSAPP_APP_SECRET": APP_SECRET,
                                "JWT_SECRET": JWT_SECRET,
                                "EMBEDDED_WORKER": "false",
                                "LOG_LEVEL": "WARNING",
                                "DATA_DIR": tmp,
                            },
                        )
                    try:
                        result = measure(label, server.base_url, files, per_post)
                    finally:
                        server.stop()
                    result["processes"] = workers
                    if label != "floor":
                        rows = await count_rows(url)
                        sent_messages = (saturation_n + 1) // 2 + (fixed_n + 1) // 2
                        result["committed_inbound"] = rows["inbound_messages"]
                        result["expected_inbound"] = sent_messages
                    results.append(result)
            finally:
                await drop_database(url)
    return results


def main() -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    os.chdir(Path(__file__).resolve().parent)
    return asyncio.run(bench(args.smoke))


if __name__ == "__main__":
    import json

    print(json.dumps(main(), indent=2))
