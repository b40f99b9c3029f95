"""POST /webhook/whatsapp: the gates (body size, X-Hub-Signature-256 over the raw bytes, JSON
shape), the intake, and the bare ASGI middleware that answers deliveries before routing.

Meta's deliveries are the hottest path, and most carry one update: through FastAPI's router,
request object, dependency resolution and exception middleware a delivery costs about as much
CPU again as its own work (signature, parse, its share of the commit). `WebhookReceiver`
answers them in front of all that with the same code the documented route runs.
"""

import logging
import time
from collections.abc import AsyncIterator

import orjson
from starlette.datastructures import State
from starlette.types import ASGIApp, Receive, Scope, Send

from atende.core.config import Settings
from atende.core.errors import error_body
from atende.core.exceptions import AppError, BadRequest, PayloadTooLarge, Unauthorized
from atende.webhook import metrics
from atende.webhook.intake import Intake
from atende.whatsapp.parser import MalformedEnvelope, parse_body
from atende.whatsapp.signature import is_valid

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhook/whatsapp"
SIGNATURE_HEADER = "x-hub-signature-256"
OK = b'{"status":"ok"}'
_JSON_HEADERS = [(b"content-type", b"application/json")]


class ClientGone(Exception):
    """The client disconnected before sending the whole body: there is no one to answer."""


async def read_body(declared: str | None, chunks: AsyncIterator[bytes], *, limit: int) -> bytes:
    """The body as sent, refused past `limit` bytes (declared or streamed)."""
    if declared is not None:
        if not declared.isdigit():
            raise BadRequest("Invalid Content-Length")
        if int(declared) > limit:
            raise PayloadTooLarge(f"The body is larger than {limit} bytes")
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The body is larger than {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def intake(state: State) -> Intake:
    """Created on first use and kept for the application's life."""
    current: Intake | None = getattr(state, "webhook_intake", None)
    if current is None or current.db is not state.db:
        current = state.webhook_intake = Intake(state.db)
    return current


async def respond(
    state: State, headers: dict[str, str], chunks: AsyncIterator[bytes]
) -> tuple[int, bytes]:
    """Store one delivery; the status and JSON body to answer Meta with.

    200 only once everything is committed; 503 when the database fails (Meta redelivers).
    """
    started = time.perf_counter()
    status = 500
    try:
        settings: Settings = state.settings
        body = await read_body(
            headers.get("content-length"), chunks, limit=settings.webhook_max_body_bytes
        )
        # Checked on the exact bytes received, before any parsing (cloud-api.md §3).
        if not is_valid(body, headers.get(SIGNATURE_HEADER), settings.whatsapp_app_secret):
            raise Unauthorized("Missing or invalid X-Hub-Signature-256", code="invalid_signature")
        try:
            envelope = parse_body(body)
        except MalformedEnvelope as e:
            raise BadRequest("The body is not a JSON object", code="malformed_json") from e
        await intake(state).receive(envelope)
        status = 200
        return status, OK
    except AppError as e:
        status = e.status_code
        return status, orjson.dumps(error_body(e.error_code, e.message, e.fields))
    except ClientGone:
        status = 499
        raise
    except Exception:
        logger.exception("unhandled error")
        return status, orjson.dumps(error_body("internal_error", "Internal server error"))
    finally:
        metrics.observe(status, time.perf_counter() - started)


class WebhookReceiver:
    """Answers POST /webhook/whatsapp itself; everything else goes on to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != WEBHOOK_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            # The first of repeated headers counts, as everywhere else in the app.
            headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
        try:
            status, content = await respond(scope["app"].state, headers, _chunks(receive))
        except ClientGone:
            return
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*_JSON_HEADERS, (b"content-length", str(len(content)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": content})


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return
