"""WhatsApp Cloud API webhook: GET verification handshake, POST intake (cloud-api.md §1-2)."""

import hmac
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, Response

from atende.core.deps import SettingsDep
from atende.core.exceptions import PermissionDenied
from atende.core.schemas import ErrorBody, error_responses
from atende.webhook.dependencies import EnvelopeDep, IntakeDep

router = APIRouter(
    prefix="/webhook", tags=["webhook"], responses=error_responses(400, 401, 403, 413, 422, 503)
)

_OK = b'{"status":"ok"}'


@router.get(
    "/whatsapp",
    response_class=PlainTextResponse,
    operation_id="webhook-verify",
    # The challenge is plain text; a refusal is the usual JSON error body.
    responses={403: {"model": ErrorBody, "content": {"application/json": {}}}},
)
async def verify(
    settings: SettingsDep,
    mode: Annotated[str | None, Query(alias="hub.mode")] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge")] = None,
) -> PlainTextResponse:
    expected = settings.whatsapp_verify_token.encode()
    if (
        mode == "subscribe"
        and token is not None
        and challenge is not None
        and hmac.compare_digest(token.encode(), expected)
    ):
        return PlainTextResponse(challenge)
    raise PermissionDenied("Webhook verification failed", code="verification_failed")


@router.post("/whatsapp", operation_id="webhook-receive")
async def receive(envelope: EnvelopeDep, intake: IntakeDep) -> Response:
    """200 only once everything is committed; 503 when the database fails (Meta retries)."""
    await intake.receive(envelope)
    return Response(content=_OK, media_type="application/json")
