"""The ingest floor: a bare ASGI endpoint that checks the HMAC and does one asyncpg INSERT.

Run with `uvicorn floors.ingest_floor:app` and FLOOR_DATABASE_URL set.
"""

import hashlib
import hmac
import os
from typing import Any

import asyncpg

SECRET = os.environ.get("FLOOR_APP_SECRET", "bench-app-secret").encode()
DATABASE_URL = os.environ["FLOOR_DATABASE_URL"]
_pool: asyncpg.Pool | None = None


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _respond(send: Any, status: int) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _pool
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                _pool = await asyncpg.create_pool(DATABASE_URL, min_size=16, max_size=16)
                await _pool.execute(
                    "CREATE TABLE IF NOT EXISTS floor_updates "
                    "(id bigserial primary key, body bytea)"
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if _pool is not None:
                    await _pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = await _read_body(receive)
    header = dict(scope["headers"]).get(b"x-hub-signature-256", b"").decode()
    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, header):
        await _respond(send, 401)
        return
    assert _pool is not None
    await _pool.execute("INSERT INTO floor_updates (body) VALUES ($1)", body)
    await _respond(send, 200)
