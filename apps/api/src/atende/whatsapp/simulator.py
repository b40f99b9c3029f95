"""A fake Graph API for numbers marked simulated (mounted at /simulator).

It answers sends and read receipts with Meta's shapes, injects Meta-style faults on demand
(`POST /simulator/_control`), and plays the customer's phone: for each accepted message it
posts signed `sent` → `delivered` → `read` status webhooks to SIMULATOR_WEBHOOK_URL from a
background task (simulator_webhooks.py), never delaying the send response. Media messages
are sent by the ids of files uploaded to its media API (simulator_media.py).
"""

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from atende.core.config import Settings
from atende.whatsapp import envelopes, simulator_templates
from atende.whatsapp.schemas import MEDIA_KINDS
from atende.whatsapp.simulator_media import MediaStore, is_valid_media_body
from atende.whatsapp.simulator_webhooks import StatusPlan, StatusWebhooks

# Titles as Meta words them (cloud-api.md §11.2), for the faults one can inject.
ERROR_TITLES = {
    100: "Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131051: "Unsupported message type",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    131053: "Media upload error",
    132001: "Template name does not exist in the translation",
}
ERROR_DETAILS = {
    131047: "Message failed to send because more than 24 hours have passed since the "
    "customer last replied to this number.",
    131026: "Message undeliverable.",
}


class StatusDelays(BaseModel):
    """Seconds after the send at which each status webhook is posted."""

    sent: float = 0.2
    delivered: float = 0.5
    read: float = 1.5


class ControlRequest(BaseModel):
    """Fault injection; every field left out keeps its current value."""

    reset: bool = False
    # The next N sends answer HTTP 429 with code 130429 and Retry-After.
    throttle: int | None = Field(default=None, ge=0)
    retry_after: float | None = Field(default=None, ge=0)
    # The next N sends answer a 5xx (code 131000).
    server_errors: int | None = Field(default=None, ge=0)
    server_error_status: int | None = Field(default=None, ge=500, le=599)
    # The next N sends hang for `timeout_seconds` (longer than the client waits).
    timeouts: int | None = Field(default=None, ge=0)
    timeout_seconds: float | None = Field(default=None, ge=0)
    latency_ms: float | None = Field(default=None, ge=0)
    # Recipient (wa_id digits or BSUID) → error code answered synchronously, e.g. 131047.
    fail_recipients: dict[str, int] | None = None
    # Recipient → error code sent later as a `failed` status webhook (the send succeeds).
    fail_recipients_async: dict[str, int] | None = None
    webhooks: bool | None = None
    status_delays: StatusDelays | None = None
    # Media download URLs live this long; the next N downloads answer 404 as if expired;
    # the next N downloads serve altered bytes (their hash no longer matches).
    media_url_seconds: float | None = Field(default=None, ge=0)
    expire_media_urls: int | None = Field(default=None, ge=0)
    corrupt_media: int | None = Field(default=None, ge=0)


@dataclass
class Faults:
    throttle: int = 0
    retry_after: float = 1.0
    server_errors: int = 0
    server_error_status: int = 500
    timeouts: int = 0
    timeout_seconds: float = 30.0
    latency_ms: float = 0.0
    fail_recipients: dict[str, int] = field(default_factory=dict)
    fail_recipients_async: dict[str, int] = field(default_factory=dict)
    webhooks: bool = True
    status_delays: StatusDelays = field(default_factory=StatusDelays)
    media_url_seconds: float = 300.0
    expire_media_urls: int = 0
    corrupt_media: int = 0


def graph_error(
    code: int, *, status: int = 400, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An error body exactly as the Graph API shapes it (cloud-api.md §6.3)."""
    title = ERROR_TITLES.get(code, "Error")
    error: dict[str, Any] = {
        "message": f"(#{code}) {title}",
        "type": "OAuthException",
        "code": code,
        "error_data": {
            "messaging_product": "whatsapp",
            "details": ERROR_DETAILS.get(code, title),
        },
        "fbtrace_id": "Sim" + envelopes.new_wamid()[6:18],
    }
    return JSONResponse({"error": error}, status_code=status, headers=headers)


class Simulator:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.faults = Faults()
        self.sends = 0
        self.accepted = 0
        self.read_receipts = 0
        # Accepted sends per biz_opaque_callback_data (our message id): duplicates show up here.
        self.by_callback: Counter[str] = Counter()
        self.webhooks = StatusWebhooks(
            url=settings.simulator_webhook_url, app_secret=settings.whatsapp_app_secret
        )
        self.media = MediaStore(base_url=settings.simulator_base_url)

    # -- the fake Graph API ----------------------------------------------------------------

    async def handle(self, phone_number_id: str, request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        if not auth.lower().startswith("bearer ") or not auth[7:].strip():
            return graph_error(190, status=401)
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return graph_error(100)
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            return graph_error(100)
        if body.get("status") == "read" and isinstance(body.get("message_id"), str):
            self.read_receipts += 1
            return JSONResponse({"success": True})
        return await self._send(phone_number_id, body)

    async def _send(self, phone_number_id: str, body: dict[str, Any]) -> Response:
        faults = self.faults
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        to, recipient = body.get("to"), body.get("recipient")
        key = (to or "").lstrip("+") or recipient
        if not isinstance(key, str) or not key or not _has_content(body):
            return graph_error(100)
        if body.get("type") == "template" and not simulator_templates.is_sendable(
            body.get("template")
        ):
            return graph_error(132001)
        if body.get("type") in MEDIA_KINDS and not self.media.knows(body):
            return graph_error(131053)
        callback = body.get("biz_opaque_callback_data")
        self.sends += 1
        if faults.timeouts:
            faults.timeouts -= 1
            await asyncio.sleep(faults.timeout_seconds)
            return graph_error(131000, status=504)
        if faults.throttle:
            faults.throttle -= 1
            retry_after = f"{faults.retry_after:g}"
            return graph_error(130429, status=429, headers={"Retry-After": retry_after})
        if faults.server_errors:
            faults.server_errors -= 1
            return graph_error(131000, status=faults.server_error_status)
        if key in faults.fail_recipients:
            return graph_error(faults.fail_recipients[key])
        wamid = envelopes.new_wamid()
        self.accepted += 1
        self.media.record_send(body)
        if isinstance(callback, str):
            self.by_callback[callback] += 1
        if faults.webhooks:
            self.webhooks.schedule(
                phone_number_id,
                wamid=wamid,
                recipient=key,
                callback=callback if isinstance(callback, str) else None,
                plan=self._status_plan(key),
            )
        contact = {"input": to, "wa_id": key} if to else {"input": recipient}
        return JSONResponse(
            {"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": wamid}]}
        )

    def control(self, change: ControlRequest) -> dict[str, Any]:
        if change.reset:
            self.faults = Faults()
            self.sends = self.accepted = self.read_receipts = 0
            self.by_callback.clear()
            self.media.clear()
        for name in ControlRequest.model_fields:
            value = getattr(change, name)
            if name != "reset" and value is not None:
                setattr(self.faults, name, value)
        return self.state()

    def state(self) -> dict[str, Any]:
        faults = self.faults
        return {
            "faults": {**vars(faults), "status_delays": faults.status_delays.model_dump()},
            "sends": self.sends,
            "accepted": self.accepted,
            "read_receipts": self.read_receipts,
            "duplicates": {k: n for k, n in self.by_callback.items() if n > 1},
            "pending_webhooks": self.webhooks.pending,
            "media": self.media.state(),
        }

    def _status_plan(self, recipient: str) -> StatusPlan:
        delays = self.faults.status_delays
        code = self.faults.fail_recipients_async.get(recipient)
        if code is not None:
            title = ERROR_TITLES.get(code, "Error")
            return [
                ("failed", delays.sent, [envelopes.error(code, title, ERROR_DETAILS.get(code))])
            ]
        return [
            ("sent", delays.sent, None),
            ("delivered", delays.delivered, None),
            ("read", delays.read, None),
        ]

    async def aclose(self) -> None:
        await self.webhooks.aclose()


def _has_content(body: dict[str, Any]) -> bool:
    """A text of 1 to 4096 characters, a template naming its name and language, or media."""
    kind = body.get("type")
    if kind in MEDIA_KINDS:
        return is_valid_media_body(kind, body.get(kind))
    if kind == "template":
        template = body.get("template")
        return (
            isinstance(template, dict)
            and isinstance(template.get("name"), str)
            and isinstance(template.get("language"), dict)
            and isinstance(template["language"].get("code"), str)
        )
    text = body.get("text")
    return (
        kind == "text"
        and isinstance(text, dict)
        and isinstance(text.get("body"), str)
        and 1 <= len(text["body"]) <= 4096
    )


def create_simulator_app(settings: Settings) -> FastAPI:
    simulator = Simulator(settings)
    app = FastAPI(
        title="Atende WhatsApp simulator", docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.simulator = simulator

    @app.post("/_control")
    async def control(change: ControlRequest) -> dict[str, Any]:
        return simulator.control(change)

    @app.get("/_control")
    async def state() -> dict[str, Any]:
        return simulator.state()

    @app.post("/{version}/{phone_number_id}/messages")
    async def messages(phone_number_id: str, request: Request) -> Response:
        return await simulator.handle(phone_number_id, request)

    @app.post("/{version}/{phone_number_id}/media")
    async def upload_media(phone_number_id: str, request: Request) -> Response:
        return await simulator.media.upload(phone_number_id, request)

    # Before the lookup route, whose two segments it would otherwise match.
    @app.get("/_media/{token}")
    async def download_media(token: str, request: Request) -> Response:
        return simulator.media.download(token, request, faults=simulator.faults)

    @app.get("/{version}/{media_id}")
    async def media_url(media_id: str, request: Request) -> Response:
        return simulator.media.lookup(media_id, request, faults=simulator.faults)

    @app.get("/{version}/{waba_id}/message_templates")
    async def message_templates(
        request: Request, limit: int | None = None, after: str | None = None
    ) -> Response:
        auth = request.headers.get("authorization", "")
        if not auth.lower().startswith("bearer ") or not auth[7:].strip():
            return graph_error(190, status=401)
        found = simulator_templates.page(
            url=str(request.url.replace(query="")), limit=limit, after=after
        )
        return JSONResponse(found) if found is not None else graph_error(100)

    return app
