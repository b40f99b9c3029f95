"""HTTP contract of /webhook/whatsapp: handshake, signature, size, JSON, acknowledgements."""

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from atende.core.config import Settings
from atende.core.db import Database, Event
from atende.main import create_app
from atende.numbers.models import Number
from atende.whatsapp.signature import sign
from tests.webhook import helpers as h

# ---------------------------------------------------------------- GET handshake


async def test_handshake_echoes_the_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get(
        h.URL,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": "test-verify-token",
            "hub.challenge": "1837465012",
        },
    )

    assert response.status_code == 200
    assert response.text == "1837465012"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": "tést", "hub.challenge": "1"},
        {},
    ],
)
async def test_handshake_refused(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    response = await client.get(h.URL, params=params)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "verification_failed"


# ---------------------------------------------------------------- POST: refusals


async def test_missing_signature_is_refused_and_nothing_stored(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event]
) -> None:
    response = await client.post(h.URL, content=h.payload_bytes("text"))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    assert await h.counts(db) == (0, 0, 0)
    assert events == []


@pytest.mark.parametrize(
    "header",
    [
        "sha256=" + "0" * 64,
        sign(b"other body", h.APP_SECRET),
        sign(h.payload_bytes("text"), "another-app-secret"),
        "sha1=abc",
        "",
    ],
)
async def test_wrong_signature_is_refused_and_nothing_stored(
    client: httpx.AsyncClient, number: Number, db: Database, header: str
) -> None:
    response = await client.post(
        h.URL, content=h.payload_bytes("text"), headers={"X-Hub-Signature-256": header}
    )

    assert response.status_code == 401
    assert await h.counts(db) == (0, 0, 0)


async def test_signature_is_checked_on_the_raw_bytes(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    raw = h.payload_bytes("reaction")  # escaped emoji, indentation: Meta's exact bytes
    reserialized = json.dumps(json.loads(raw), ensure_ascii=False).encode()

    refused = await client.post(h.URL, content=raw, headers=h.signature_headers(reserialized))
    accepted = await h.post_body(client, raw)

    assert refused.status_code == 401
    assert accepted.status_code == 200


async def test_uppercase_hex_signature_is_accepted(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    body = h.payload_bytes("text")
    header = "sha256=" + sign(body, h.APP_SECRET).removeprefix("sha256=").upper()

    response = await client.post(h.URL, content=body, headers={"X-Hub-Signature-256": header})

    assert response.status_code == 200


@pytest.mark.parametrize("body", [b"{not json", b"", b'["an", "array"]', b"\xff\xfe"])
async def test_malformed_json_is_400(
    client: httpx.AsyncClient, number: Number, db: Database, body: bytes
) -> None:
    response = await h.post_body(client, body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
    assert await h.counts(db) == (0, 0, 0)


async def test_declared_body_too_large_is_413(
    client: httpx.AsyncClient, settings: Settings, number: Number, db: Database
) -> None:
    settings.webhook_max_body_bytes = 512
    body = h.payload_bytes("text") + b" " * 512

    response = await h.post_body(client, body)

    assert response.status_code == 413
    assert await h.counts(db) == (0, 0, 0)


async def test_streamed_body_too_large_is_413(
    client: httpx.AsyncClient, settings: Settings, number: Number, db: Database
) -> None:
    settings.webhook_max_body_bytes = 512
    body = h.payload_bytes("text") + b" " * 512

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 100):
            yield body[start : start + 100]

    # No Content-Length: only the streamed size can tell.
    response = await client.post(h.URL, content=chunks(), headers=h.signature_headers(body))

    assert response.status_code == 413
    assert await h.counts(db) == (0, 0, 0)


async def test_body_at_the_limit_is_accepted(
    client: httpx.AsyncClient, settings: Settings, number: Number
) -> None:
    body = h.payload_bytes("text")
    settings.webhook_max_body_bytes = len(body)

    assert (await h.post_body(client, body)).status_code == 200


# ---------------------------------------------------------------- POST: acknowledgements


async def test_unknown_number_is_acknowledged_and_nothing_stored(
    client: httpx.AsyncClient, db: Database, events: list[Event]
) -> None:
    response = await h.post(client, "text")

    assert response.status_code == 200
    assert await h.counts(db) == (0, 0, 0)
    assert events == []


async def test_template_status_update_is_acknowledged(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    response = await h.post(client, "template_status")

    assert response.status_code == 200
    assert await h.counts(db) == (0, 0, 0)


async def test_envelope_without_entries_is_acknowledged(client: httpx.AsyncClient) -> None:
    response = await h.post(client, {"object": "whatsapp_business_account", "entry": []})

    assert response.status_code == 200


async def test_number_added_after_an_unknown_delivery_receives_at_once(
    client: httpx.AsyncClient, factory, db: Database
) -> None:
    assert (await h.post(client, "text")).status_code == 200
    await factory.number(phone_number_id=h.PHONE_NUMBER_ID)
    await factory.commit()

    assert (await h.post(client, "text")).status_code == 200

    assert await h.counts(db) == (1, 1, 1)


# ---------------------------------------------------------------- database failure


@pytest.fixture
def broken_url(backend: str, tmp_path: Path) -> str:
    if backend == "postgresql":
        return "postgresql+asyncpg://postgres@127.0.0.1:1/atende"  # nothing listens there
    return f"sqlite+aiosqlite:///{tmp_path}/missing-dir/atende.db"


async def test_database_failure_is_503_so_meta_redelivers(
    settings: Settings, broken_url: str
) -> None:
    broken = Database(broken_url)
    app = create_app(settings.model_copy(update={"database_url": broken_url}), database=broken)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await h.post(client, "text")
    finally:
        await broken.dispose()

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "webhook_unavailable"


async def test_database_failure_mid_transaction_stores_nothing(
    client: httpx.AsyncClient, number: Number, db: Database, events: list[Event]
) -> None:
    """A failing statement after some rows were written rolls the whole POST back."""
    from sqlalchemy import event as sa_event

    def fail_message_insert(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO messages"):
            raise ConnectionResetError("connection lost")

    sa_event.listen(db.engine.sync_engine, "before_cursor_execute", fail_message_insert)
    try:
        response = await h.post(client, "text")
    finally:
        sa_event.remove(db.engine.sync_engine, "before_cursor_execute", fail_message_insert)

    assert response.status_code == 503
    assert await h.counts(db) == (0, 0, 0)  # the contact written before is rolled back
    assert events == []
    assert (await h.post(client, "text")).status_code == 200  # the redelivery succeeds
    assert await h.counts(db) == (1, 1, 1)
