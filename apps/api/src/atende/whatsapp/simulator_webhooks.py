"""The simulator's outgoing side: signed webhooks posted to Atende as Meta would post them.

Status webhooks are scheduled per message and posted from one background task; statuses due
together go out in one POST with several entries (Meta batches too), so the simulator keeps
up with the outbox at benchmark rates.
"""

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from atende.whatsapp import envelopes
from atende.whatsapp.signature import sign

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
# (status, seconds after the send, errors of a `failed` status)
StatusPlan = list[tuple[str, float, list[dict[str, Any]] | None]]


def signed_headers(body: bytes, app_secret: str) -> dict[str, str]:
    return {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, app_secret)}


@dataclass(order=True)
class _Due:
    at: float
    seq: int
    phone_number_id: str = field(compare=False)
    status: str = field(compare=False)
    wamid: str = field(compare=False)
    recipient: str = field(compare=False)
    callback: str | None = field(compare=False, default=None)
    errors: list[dict[str, Any]] | None = field(compare=False, default=None)


class StatusWebhooks:
    def __init__(self, *, url: str, app_secret: str, batch_max: int = 100) -> None:
        self.url = url
        self.app_secret = app_secret
        self.batch_max = batch_max
        self._due: list[_Due] = []
        self._seq = itertools.count()
        self._wakeup = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None

    @property
    def pending(self) -> int:
        return len(self._due)

    def schedule(
        self,
        phone_number_id: str,
        *,
        wamid: str,
        recipient: str,
        callback: str | None,
        plan: StatusPlan,
    ) -> None:
        now = time.monotonic()
        for status, delay, errors in plan:
            due = _Due(
                now + delay, next(self._seq), phone_number_id, status, wamid, recipient, callback
            )
            due.errors = errors
            heapq.heappush(self._due, due)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_loop(), name="simulator-webhooks")
        self._wakeup.set()

    async def _flush_loop(self) -> None:
        while True:
            if not self._due:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            wait = self._due[0].at - time.monotonic()
            if wait > 0:
                self._wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), wait)
                continue
            batch: list[_Due] = []
            now = time.monotonic()
            while self._due and self._due[0].at <= now and len(batch) < self.batch_max:
                batch.append(heapq.heappop(self._due))
            # One POST at a time, so a message's statuses reach the webhook in order.
            try:
                await self._post_statuses(batch)
            except Exception:
                logger.exception("simulator status webhook failed")

    async def _post_statuses(self, batch: list[_Due]) -> None:
        parts = []
        for due in batch:
            envelope = envelopes.status_envelope(
                phone_number_id=due.phone_number_id,
                display_phone_number=due.phone_number_id,
                wamid=due.wamid,
                status=due.status,
                recipient_id=due.recipient,
                errors=due.errors,
            )
            item = envelope["entry"][0]["changes"][0]["value"]["statuses"][0]
            if due.callback is not None:
                item["biz_opaque_callback_data"] = due.callback
            if not due.recipient.isdigit():
                # Sent to a BSUID: Meta names the recipient by its user id.
                item["recipient_user_id"] = item.pop("recipient_id")
            parts.append(envelope)
        status = await self.post(envelopes.merge(*parts))
        if status != 200:
            logger.warning("simulator status webhook not accepted", extra={"status": status})

    async def post(self, envelope: envelopes.Envelope) -> int:
        """Posts a signed envelope; returns the HTTP status (0 when unreachable). Retried a
        few times with short pauses, as Meta retries (much longer)."""
        body = envelopes.dumps(envelope)
        headers = signed_headers(body, self.app_secret)
        status = 0
        for attempt in range(3):
            try:
                response = await self._client().post(self.url, content=body, headers=headers)
                status = response.status_code
            except httpx.HTTPError:
                status = 0
            if status == 200 or 400 <= status < 500:
                return status
            await asyncio.sleep(0.2 * (attempt + 1))
        return status

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0))
        return self._http

    async def aclose(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None


async def _post_once(url: str, envelope: envelopes.Envelope, app_secret: str) -> int:
    """Posts a signed envelope once; returns the HTTP status (0 when unreachable)."""
    body = envelopes.dumps(envelope)
    async with httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=5.0)) as client:
        try:
            response = await client.post(
                url, content=body, headers=signed_headers(body, app_secret)
            )
        except httpx.HTTPError:
            return 0
    return response.status_code


async def post_inbound(
    *,
    url: str,
    app_secret: str,
    phone_number_id: str,
    display_phone_number: str,
    wa_id: str,
    name: str,
    text: str,
) -> tuple[int, str]:
    """Posts a signed inbound text message envelope, as Meta would for a customer writing in.
    Returns the webhook's HTTP status (0 when unreachable) and the message's wamid."""
    wamid = envelopes.new_wamid()
    envelope = envelopes.text_message_envelope(
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number,
        wa_id=wa_id,
        name=name,
        text=text,
        wamid=wamid,
    )
    return await _post_once(url, envelope, app_secret), wamid


async def post_inbound_media(
    *,
    url: str,
    app_secret: str,
    phone_number_id: str,
    display_phone_number: str,
    wa_id: str,
    name: str,
    kind: str,
    media: dict[str, Any],
) -> tuple[int, str]:
    """Posts a signed inbound media message (the file already in the simulator's media
    store under `media["id"]`). Returns the webhook's HTTP status and the wamid."""
    wamid = envelopes.new_wamid()
    envelope = envelopes.wrap(
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number,
        value={
            "contacts": [envelopes.contact(wa_id=wa_id, name=name)],
            "messages": [envelopes.media_message(wa_id=wa_id, kind=kind, media=media, wamid=wamid)],
        },
    )
    return await _post_once(url, envelope, app_secret), wamid
