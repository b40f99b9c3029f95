"""In-process webhook intake throughput on PostgreSQL: a quick local measurement.

Creates a throwaway database, migrates it and calls the ASGI app directly (no HTTP client,
no HTTP parsing: the server-side cost only) with signed envelopes: text messages from known
customers one per POST and 100 per POST, text from new customers 100 per POST, delivery
statuses for stored outbound messages one per POST, and statuses for unknown wamids. Prints
updates per second, latency percentiles and the process CPU time per update. `bench/ingest.py`
is the end-to-end benchmark (uvicorn, separate load generator, floor comparison).

    cd apps/api && uv run python ../../bench/ingest_inprocess.py [--requests 3000]
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from alembic import command
from alembic.config import Config
from atende.contacts.models import Contact
from atende.conversations.models import Conversation
from atende.core.config import Environment, Settings
from atende.core.db import Database
from atende.core.types import new_id, utcnow
from atende.main import create_app
from atende.messages.models import Message
from atende.numbers.models import Number
from atende.webhook.intake import Intake
from atende.whatsapp import envelopes
from atende.whatsapp.signature import sign
from sqlalchemy import insert

API_DIR = Path(__file__).resolve().parents[1] / "apps" / "api"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-app-secret"
PHONE_NUMBER_ID = "109000000000001"
DISPLAY = "15550001111"


async def create_database() -> str:
    name = f"atende_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(ADMIN_URL)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return name


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(ADMIN_URL)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


def migrate(url: str) -> None:
    config = Config(str(API_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(API_DIR / "alembic"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")


async def seed(db: Database, outbound: int) -> list[str]:
    """The number, and `outbound` sent messages whose statuses will arrive."""
    now = utcnow()
    wamids = [f"wamid.OUT{uuid.uuid4().hex.upper()}" for _ in range(outbound)]
    async with db.session() as session:
        number = Number(phone_number_id=PHONE_NUMBER_ID, display_phone_number=DISPLAY, label="B")
        contact = Contact(wa_id="5511800000000", name="Outbound")
        session.add_all([number, contact])
        await session.flush()
        conversation = Conversation(number_id=number.id, contact_id=contact.id)
        session.add(conversation)
        await session.flush()
        rows = [
            {
                "id": new_id(),
                "conversation_id": conversation.id,
                "direction": "outbound",
                "wamid": wamid,
                "type": "text",
                "text": "hi",
                "status": "sent",
                "is_automated": False,
                "is_read_by_agent": False,
                "attempts": 1,
                "timestamp": now,
                "created_at": now,
                "updated_at": now,
            }
            for wamid in wamids
        ]
        await session.execute(insert(Message), rows)
        await session.commit()
    return wamids


def text_bodies(count: int, per_post: int, customers: int, start: int) -> list[bytes]:
    bodies = []
    n = start
    for _ in range(count):
        parts = []
        for _ in range(per_post):
            n += 1
            parts.append(
                envelopes.text_message_envelope(
                    phone_number_id=PHONE_NUMBER_ID,
                    display_phone_number=DISPLAY,
                    wa_id=f"55119{n % customers:08d}",
                    name=f"Customer {n % customers}",
                    text=f"message {n}",
                    timestamp=1767225600 + n,
                )
            )
        bodies.append(envelopes.dumps(envelopes.merge(*parts)))
    return bodies


def status_bodies(wamids: list[str], status: str) -> list[bytes]:
    return [
        envelopes.dumps(
            envelopes.status_envelope(
                phone_number_id=PHONE_NUMBER_ID,
                display_phone_number=DISPLAY,
                wamid=wamid,
                status=status,
                recipient_id="5511800000000",
            )
        )
        for wamid in wamids
    ]


class AsgiClient:
    """Calls the ASGI app directly: server-side cost only."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()]
            + [(b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 40000),
            "server": ("bench", 80),
            "state": {},
        }
        sent = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        return status


async def run(client: AsgiClient, label: str, bodies: list[bytes], per_post: int, c: int) -> None:
    queue = list(reversed(bodies))
    latencies: list[float] = []

    async def worker() -> None:
        while queue:
            body = queue.pop()
            headers = {
                "content-type": "application/json",
                "x-hub-signature-256": sign(body, SECRET),
            }
            started = time.perf_counter()
            status = await client.post("/webhook/whatsapp", body, headers)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"status {status}")

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(c)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if not label:
        return
    updates = len(bodies) * per_post
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000
    sys.stdout.write(
        f"{label:<36} {updates / elapsed:>7.0f} updates/s {len(bodies) / elapsed:>6.0f} POST/s"
        f"  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  mean {statistics.fmean(latencies) * 1000:6.1f}"
        f" ms  cpu {cpu / updates * 1e6:5.0f} us/update\n"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16, help="POSTs in flight")
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--redis", default=None, help="REDIS_URL, to include Redis fan-out")
    parser.add_argument("--intake-concurrency", type=int, default=None)
    args = parser.parse_args()
    n, c = args.requests, args.concurrency

    name = await create_database()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    try:
        await asyncio.to_thread(migrate, url)
        db = Database(url)
        wamids = await seed(db, n)
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings(
                environment=Environment.TEST,
                data_dir=Path(data_dir),
                database_url=url,
                jwt_secret="bench-jwt-secret-long-enough-for-hs256-signing",
                whatsapp_app_secret=SECRET,
                embedded_worker=False,
                redis_url=args.redis,
            )
            app = create_app(settings, database=db)
            async with app.router.lifespan_context(app):
                app.state.webhook_intake = Intake(db, concurrency=args.intake_concurrency)
                client = AsgiClient(app)
                # Warm-up: creates the customers' contacts and conversations.
                await run(client, "", text_bodies(args.customers, 1, args.customers, 0), 1, c)
                bodies = text_bodies(n, 1, args.customers, 10**6)
                await run(client, "text, 1 per POST", bodies, 1, c)
                posts = max(n // 100, 20)
                bodies = text_bodies(posts, 100, args.customers, 2 * 10**6)
                await run(client, "text, 100 per POST", bodies, 100, min(c, 4))
                bodies = text_bodies(posts, 100, 10**9, 3 * 10**6)
                await run(client, "text, 100 per POST, new customers", bodies, 100, min(c, 4))
                await run(
                    client, "status delivered, 1 per POST", status_bodies(wamids, "delivered"), 1, c
                )
                unknown = [f"wamid.UNKNOWN{i}" for i in range(n)]
                await run(
                    client,
                    "status, unknown wamid, 1 per POST",
                    status_bodies(unknown, "read"),
                    1,
                    c,
                )
        await db.dispose()
    finally:
        await drop_database(name)


if __name__ == "__main__":
    asyncio.run(main())
