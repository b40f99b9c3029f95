"""Webhook request gates: body size, X-Hub-Signature-256 over the raw bytes, JSON shape.

One dependency runs the three gates in order: on the hottest route every dependency level
FastAPI resolves costs measurable time.
"""

from typing import Annotated

from fastapi import Depends, Request

from atende.core.config import Settings
from atende.core.exceptions import BadRequest, PayloadTooLarge, Unauthorized
from atende.webhook.intake import Intake
from atende.whatsapp.inbound import ParsedEnvelope
from atende.whatsapp.parser import MalformedEnvelope, parse_body
from atende.whatsapp.signature import is_valid

SIGNATURE_HEADER = "x-hub-signature-256"


async def read_body(request: Request, *, limit: int) -> bytes:
    """The body as sent, refused past `limit` bytes (declared or streamed)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BadRequest("Invalid Content-Length")
        if int(declared) > limit:
            raise PayloadTooLarge(f"The body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def verified_envelope(request: Request) -> ParsedEnvelope:
    # Settings read directly: a sync dependency would run in the threadpool.
    settings: Settings = request.app.state.settings
    body = await read_body(request, limit=settings.webhook_max_body_bytes)
    # Checked on the exact bytes received, before any parsing (cloud-api.md §3).
    if not is_valid(body, request.headers.get(SIGNATURE_HEADER), settings.whatsapp_app_secret):
        raise Unauthorized("Missing or invalid X-Hub-Signature-256", code="invalid_signature")
    try:
        return parse_body(body)
    except MalformedEnvelope as e:
        raise BadRequest("The body is not a JSON object", code="malformed_json") from e


async def intake(request: Request) -> Intake:
    """Created on first use and kept for the application's life."""
    state = request.app.state
    current: Intake | None = getattr(state, "webhook_intake", None)
    if current is None or current.db is not state.db:
        current = state.webhook_intake = Intake(state.db)
    return current


EnvelopeDep = Annotated[ParsedEnvelope, Depends(verified_envelope)]
IntakeDep = Annotated[Intake, Depends(intake)]
