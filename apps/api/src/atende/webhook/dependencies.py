"""Webhook request gates: body size, X-Hub-Signature-256 over the raw bytes, JSON shape."""

from typing import Annotated

from fastapi import Depends, Request

from atende.core.config import Settings
from atende.core.exceptions import BadRequest, PayloadTooLarge, Unauthorized
from atende.webhook.service import Intake
from atende.whatsapp.inbound import ParsedEnvelope
from atende.whatsapp.parser import MalformedEnvelope, parse_body
from atende.whatsapp.signature import is_valid

SIGNATURE_HEADER = "x-hub-signature-256"


def _settings(request: Request) -> Settings:
    # Read directly: sync dependencies run in the threadpool, a hop this hot path avoids.
    settings: Settings = request.app.state.settings
    return settings


async def raw_body(request: Request) -> bytes:
    """The body as sent, refused past `webhook_max_body_bytes` (declared or streamed)."""
    limit = _settings(request).webhook_max_body_bytes
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


async def signed_body(request: Request, body: Annotated[bytes, Depends(raw_body)]) -> bytes:
    # Checked on the exact bytes received, before any parsing (cloud-api.md §3).
    header = request.headers.get(SIGNATURE_HEADER)
    if not is_valid(body, header, _settings(request).whatsapp_app_secret):
        raise Unauthorized("Missing or invalid X-Hub-Signature-256", code="invalid_signature")
    return body


async def envelope(body: Annotated[bytes, Depends(signed_body)]) -> ParsedEnvelope:
    try:
        return parse_body(body)
    except MalformedEnvelope as e:
        raise BadRequest("The body is not a JSON object", code="malformed_json") from e


async def intake(request: Request) -> Intake:
    """Created on first use and kept for the application's life."""
    state = request.app.state
    current: Intake | None = getattr(state, "webhook_intake", None)
    if current is None:
        current = state.webhook_intake = Intake()
    return current


EnvelopeDep = Annotated[ParsedEnvelope, Depends(envelope)]
IntakeDep = Annotated[Intake, Depends(intake)]
