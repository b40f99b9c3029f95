"""WhatsApp Cloud API webhook: GET verification handshake, POST intake (cloud-api.md §1-2)."""

import hmac
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from atende.core.deps import SettingsDep
from atende.core.exceptions import PermissionDenied
from atende.core.schemas import ErrorBody, error_responses
from atende.webhook.receiver import SIGNATURE_HEADER, respond

router = APIRouter(
    prefix="/webhook",
    tags=["webhook"],
    responses=error_responses(400, 401, 403, 413, 422, 503),
)


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


@router.post(
    "/whatsapp",
    operation_id="webhook-receive",
    openapi_extra={
        "parameters": [
            {
                "name": SIGNATURE_HEADER,
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": "sha256=<HMAC-SHA256 of the raw body with the app secret>",
            }
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
    },
)
async def receive(request: Request) -> Response:
    """200 only once everything is committed; 503 when the database fails (Meta retries).

    Deliveries are answered by `WebhookReceiver` before routing; this route documents the
    operation and runs the same code for a request that reaches the router.
    """
    status, content = await respond(request.app.state, dict(request.headers), request.stream())
    return Response(content=content, status_code=status, media_type="application/json")
