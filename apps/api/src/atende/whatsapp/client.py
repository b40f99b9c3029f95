"""The only code that calls the Graph API: one shared `httpx.AsyncClient`, explicit timeouts,
and every failure turned into a classified `WhatsAppError`.

A thin client instead of an SDK (pywa): simulated numbers need a per-call base URL, the outbox
owns retries and rate limiting, and the error mapping must keep Meta's code, details and
Retry-After intact.
"""

import contextlib
import email.utils
import hashlib
import itertools
import logging
import math
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import orjson

from atende.core.config import Settings
from atende.metrics import instruments as metrics
from atende.whatsapp.exceptions import WhatsAppError, is_retryable
from atende.whatsapp.network import asyncio_transport
from atende.whatsapp.schemas import (
    MediaUploadResponse,
    MediaUrlResponse,
    SendResponse,
    SuccessResponse,
    mark_read_body,
    parse_error,
)
from atende.whatsapp.templates import LIST_FIELDS, GraphTemplate, TemplatePage

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=15.0, pool=15.0)
# Media files (up to 100 MB) go up and down: a read or write may wait longer than a JSON call's.
MEDIA_TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=60.0, pool=15.0)
POOL_SIZE = 4
# httpx logs every request (URL included) at INFO: thousands of lines a second under load.
logging.getLogger("httpx").setLevel(logging.WARNING)
# Graph prefixes titles with the code: "(#131030) Recipient phone number not in allowed list".
_CODE_PREFIX = re.compile(r"^\(#\d+\)\s*")


# The simulator accepts any bearer token; a fresh install has no WHATSAPP_TOKEN at all.
SIMULATOR_TOKEN = "simulator"


def base_url_for(settings: Settings, *, is_simulated: bool) -> str:
    """Simulated numbers talk to the built-in fake Graph API, never to Meta."""
    return settings.simulator_base_url if is_simulated else settings.graph_api_base_url


def token_or_simulator(token: str, *, is_simulated: bool) -> str:
    return token or (SIMULATOR_TOKEN if is_simulated else token)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, from delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_from_response(response: httpx.Response) -> WhatsAppError:
    try:
        data: object = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        data = None
    graph = parse_error(data)
    metrics.graph_error(graph.code if graph else None, response.status_code)
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    if graph is None:
        return WhatsAppError(
            f"Graph API answered HTTP {response.status_code}",
            http_status=response.status_code,
            retryable=is_retryable(code=None, http_status=response.status_code, is_transient=None),
            retry_after=retry_after,
        )
    title = _CODE_PREFIX.sub("", graph.message or "") or graph.type or "Graph API error"
    return WhatsAppError(
        title,
        code=graph.code,
        subcode=graph.error_subcode,
        details=graph.error_data.details if graph.error_data else None,
        http_status=response.status_code,
        retryable=is_retryable(
            code=graph.code, http_status=response.status_code, is_transient=graph.is_transient
        ),
        retry_after=retry_after,
        fbtrace_id=graph.fbtrace_id,
    )


@contextlib.contextmanager
def _network_errors(timed_out: str, failed: str) -> Iterator[None]:
    """httpx failures as retryable `WhatsAppError`s, counted as network Graph errors."""
    try:
        yield
    except httpx.TimeoutException as e:
        metrics.graph_error(None, None)
        raise WhatsAppError(f"{timed_out} ({type(e).__name__})", retryable=True) from e
    except httpx.HTTPError as e:
        metrics.graph_error(None, None)
        raise WhatsAppError(f"{failed} ({type(e).__name__})", retryable=True) from e


@dataclass(frozen=True, slots=True)
class DownloadedMedia:
    size: int
    sha256: bytes
    content_type: str | None


class GraphClient:
    def __init__(
        self,
        *,
        base_url: str,
        version: str,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        max_connections: int = 256,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.version = version
        # httpcore scans every pooled connection (one poll() each) on every request, so one
        # big pool costs O(connections) per send: a few small pools, used in turn, keep the
        # outbox's CPU per message flat as its concurrency grows.
        shards = max(1, math.ceil(max_connections / POOL_SIZE))
        per_shard = math.ceil(max_connections / shards)
        self._pools = [
            # The transport owns the pool, so it sets the pool's size.
            httpx.AsyncClient(timeout=timeout, transport=transport or asyncio_transport(per_shard))
            for _ in range(shards)
        ]
        self._next = itertools.cycle(self._pools)
        self._http = self._pools[0]

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> "GraphClient":
        return cls(base_url=settings.graph_api_base_url, version=settings.graph_version, **kwargs)

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()

    def messages_url(self, phone_number_id: str, *, base_url: str | None = None) -> str:
        base = (base_url or self.base_url).rstrip("/")
        return f"{base}/{self.version}/{phone_number_id}/messages"

    async def send_message(
        self,
        phone_number_id: str,
        token: str,
        body: Mapping[str, Any],
        *,
        base_url: str | None = None,
    ) -> SendResponse:
        """Posts a message; a 200 means Meta accepted it (statuses arrive by webhook)."""
        data = await self._post(self.messages_url(phone_number_id, base_url=base_url), token, body)
        try:
            response = SendResponse.model_validate(data)
        except ValueError as e:
            raise WhatsAppError("Unexpected Graph API response", http_status=200) from e
        if not response.messages:
            raise WhatsAppError("Graph API response without a message id", http_status=200)
        return response

    async def mark_read(
        self, phone_number_id: str, token: str, wamid: str, *, base_url: str | None = None
    ) -> None:
        """Tells the customer their messages were read (this one and every earlier one)."""
        data = await self._post(
            self.messages_url(phone_number_id, base_url=base_url), token, mark_read_body(wamid)
        )
        try:
            SuccessResponse.model_validate(data)
        except ValueError as e:
            raise WhatsAppError("Unexpected Graph API response", http_status=200) from e

    async def list_templates(
        self,
        waba_id: str,
        token: str,
        *,
        base_url: str | None = None,
        page_size: int = 100,
        max_pages: int = 100,
    ) -> list[GraphTemplate]:
        """Every template of the WABA, whatever its status, following Graph cursor paging.

        Pages are asked for with `after` on our own base URL (not by following `paging.next`,
        which names Meta's host): a simulated number's list stays on the simulator.
        """
        base = (base_url or self.base_url).rstrip("/")
        url = f"{base}/{self.version}/{waba_id}/message_templates"
        templates: list[GraphTemplate] = []
        after: str | None = None
        for _ in range(max_pages):
            params = {"fields": LIST_FIELDS, "limit": str(page_size)}
            if after is not None:
                params["after"] = after
            data = await self._get(url, token, params)
            try:
                page = TemplatePage.model_validate(data)
            except ValueError as e:
                raise WhatsAppError("Unexpected Graph API response", http_status=200) from e
            templates.extend(page.data)
            cursor = page.next_cursor
            if cursor is None or cursor == after:
                return templates
            after = cursor
        # A partial list must not be taken for the whole: absent templates would look deleted.
        raise WhatsAppError(f"More than {max_pages} pages of templates")

    async def get_media_url(
        self,
        media_id: str,
        token: str,
        *,
        phone_number_id: str | None = None,
        base_url: str | None = None,
    ) -> MediaUrlResponse:
        """A fresh download URL (valid 5 minutes) with Meta's type, size and hash; passing
        the number makes Meta check that the media is that number's."""
        base = (base_url or self.base_url).rstrip("/")
        params = {"phone_number_id": phone_number_id} if phone_number_id else {}
        data = await self._get(f"{base}/{self.version}/{media_id}", token, params)
        try:
            return MediaUrlResponse.model_validate(data)
        except ValueError as e:
            raise WhatsAppError("Unexpected Graph API response", http_status=200) from e

    async def download_media(
        self, url: str, token: str, sink: BinaryIO, *, max_bytes: int
    ) -> DownloadedMedia:
        """Streams a media URL (it needs the bearer token) into `sink`, hashing as it goes.
        A 404 means the URL expired: look the media id up again."""
        self._check_token(token)
        if not url.lower().startswith(("https://", "http://")):
            raise WhatsAppError("The media URL is not an HTTP URL")
        digest = hashlib.sha256()
        size = 0
        with _network_errors("Media download timed out", "Media download failed"):
            async with next(self._next).stream(
                "GET", url, headers={"Authorization": f"Bearer {token}"}, timeout=MEDIA_TIMEOUT
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise error_from_response(response)
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise WhatsAppError(f"The media is larger than {max_bytes} bytes")
                    digest.update(chunk)
                    sink.write(chunk)
                content_type = response.headers.get("content-type")
        return DownloadedMedia(size=size, sha256=digest.digest(), content_type=content_type)

    async def upload_media(
        self,
        phone_number_id: str,
        token: str,
        path: Path,
        *,
        mime_type: str,
        filename: str,
        base_url: str | None = None,
    ) -> str:
        """Uploads a file to send by id (cloud-api.md §8); Meta keeps it 30 days."""
        self._check_token(token)
        base = (base_url or self.base_url).rstrip("/")
        with (
            _network_errors("Media upload timed out", "Graph API unreachable"),
            path.open("rb") as handle,
        ):
            response = await next(self._next).post(
                f"{base}/{self.version}/{phone_number_id}/media",
                data={"messaging_product": "whatsapp", "type": mime_type},
                files={"file": (filename, handle, mime_type)},
                headers={"Authorization": f"Bearer {token}"},
                timeout=MEDIA_TIMEOUT,
            )
        if response.status_code >= 400:
            raise error_from_response(response)
        try:
            return MediaUploadResponse.model_validate(orjson.loads(response.content)).id
        except (ValueError, orjson.JSONDecodeError) as e:
            raise WhatsAppError(
                "Unexpected Graph API response", http_status=response.status_code
            ) from e

    @staticmethod
    def _check_token(token: str) -> None:
        if not token.strip():
            raise WhatsAppError(
                "No access token: set WHATSAPP_TOKEN or the number's own access token"
            )

    async def _post(self, url: str, token: str, body: Mapping[str, Any]) -> object:
        return await self._request_json("POST", url, token, body=body)

    async def _get(self, url: str, token: str, params: Mapping[str, str]) -> object:
        return await self._request_json("GET", url, token, params=params)

    async def _request_json(
        self,
        method: str,
        url: str,
        token: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> object:
        self._check_token(token)
        headers = {"Authorization": f"Bearer {token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        with _network_errors("Graph API request timed out", "Graph API unreachable"):
            response = await next(self._next).request(
                method,
                url,
                content=orjson.dumps(body) if body is not None else None,
                params=params,
                headers=headers,
            )
        if response.status_code >= 400:
            raise error_from_response(response)
        try:
            data: object = orjson.loads(response.content)
        except orjson.JSONDecodeError as e:
            raise WhatsAppError(
                "Graph API answered with a body that is not JSON",
                http_status=response.status_code,
            ) from e
        return data
