"""In-process webhook intake throughput on PostgreSQL (no network server, one process).

Creates a throwaway database, migrates it, and drives POST /webhook/whatsapp through
direct ASGI calls (server-side cost only) with signed envelopes: text messages (one per POST, then 100 per
POST) and delivery statuses. Prints updates per second and request latency percentiles.

    cd apps/api && uv run python ../../bench/ingest_inprocess.py [--requests 3000]
"""

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from alembic import command
from alembic.config import Config

from atende.core.config import Environment, Settings
from atende.core.db import Database
from atende.main import create_app
from atende.numbers.models import Number
from atende.webhook.intake import Intake
from atende.whatsapp import envelopes
from atende.whatsapp.signature import sign

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


class AsgiClient:
    """Calls the ASGI app directly: server-side cost only (no HTTP client, no parsing)."""

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
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
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


async def run(client: AsgiClient, bodies: list[bytes], concurrency: int) -> tuple[float, list[float]]:
    queue = list(reversed(bodies))
    latencies: list[float] = []

    async def worker() -> None:
        while queue:
            body = queue.pop()
            headers = {"content-type": "application/json", "x-hub-signature-256": sign(body, SECRET)}
            started = time.perf_counter()
            status = await client.post("/webhook/whatsapp", body, headers)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"status {status}")

    started = time.perf_counter()
    cpu = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    run.cpu = time.process_time() - cpu  # type: ignore[attr-defined]
    return time.perf_counter() - started, latencies


def report(label: str, posts: int, per_post: int, elapsed: float, latencies: list[float]) -> None:
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(
        f"{label:<34} {posts * per_post / elapsed:>9.0f} updates/s  "
        f"{posts / elapsed:>7.0f} POST/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
        f"mean {statistics.fmean(latencies) * 1000:6.1f} ms  "
        f"cpu {run.cpu / (posts * per_post) * 1e6:5.0f} us/update"  # type: ignore[attr-defined]
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--redis", default=None, help="REDIS_URL, to include Redis fan-out")
    parser.add_argument("--intake-concurrency", type=int, default=None)
    args = parser.parse_args()

    name = await create_database()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    try:
        await asyncio.to_thread(migrate, url)
        db = Database(url)
        async with db.session() as session:
            session.add(
                Number(phone_number_id=PHONE_NUMBER_ID, display_phone_number=DISPLAY, label="Bench")
            )
            await session.commit()
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
                if True:
                    c = AsgiClient(app)
                    app.state.webhook_intake = Intake(db, concurrency=args.intake_concurrency)
                    c_ = args.concurrency
                    # Warm up: creates the customers' contacts and conversations.
                    await run(c, text_bodies(args.customers, 1, args.customers, 0), c_)
                    n = args.requests
                    elapsed, lat = await run(c, text_bodies(n, 1, args.customers, 10**6), c_)
                    report("text, 1 per POST", n, 1, elapsed, lat)
                    posts = max(n // 100, 20)
                    bodies = text_bodies(posts, 100, args.customers, 2 * 10**6)
                    elapsed, lat = await run(c, bodies, min(c_, 4))
                    report("text, 100 per POST", posts, 100, elapsed, lat)
                    bodies = text_bodies(posts, 100, 10**9, 3 * 10**6)
                    elapsed, lat = await run(c, bodies, min(c_, 4))
                    report("text, 100 per POST, new customers", posts, 100, elapsed, lat)
                    bodies = [
                        envelopes.dumps(
                            envelopes.status_envelope(
                                phone_number_id=PHONE_NUMBER_ID,
                                display_phone_number=DISPLAY,
                                wamid=f"wamid.unknown{i}",
                                status="delivered",
                                recipient_id="5511900000001",
                            )
                        )
                        for i in range(n)
                    ]
                    elapsed, lat = await run(c, bodies, c_)
                    report("status (unknown wamid), 1 per POST", n, 1, elapsed, lat)
        await db.dispose()
    finally:
        await drop_database(name)


if __name__ == "__main__":
    asyncio.run(main())
