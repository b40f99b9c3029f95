"""The simulator's media API (cloud-api.md §8): uploads, URL lookups and downloads.

Files live in memory, owned by the number they were uploaded to (or sent to, when a
simulated customer sends one). A lookup hands out a download URL that needs the bearer
token and expires like Meta's (5 minutes by default, `media_url_seconds`); faults make the
next downloads answer 404 as if expired (`expire_media_urls`) or serve altered bytes
(`corrupt_media`), so retries and hash checks can be exercised. Graph errors come from the
simulator module, imported late (it imports this one).
"""

import base64
import hashlib
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from atende.media.constants import base_mime, kinds_for, max_bytes_for
from atende.media.sniff import HEAD_BYTES, sniff
from atende.whatsapp.schemas import MEDIA_KINDS

MAX_SENT_KEPT = 200


@dataclass
class SimMedia:
    id: str
    owner: str
    data: bytes
    mime_type: str
    filename: str | None

    @property
    def sha256(self) -> str:
        """Base64, as Meta's webhooks carry it."""
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()


class MediaFaults(Protocol):
    """The media part of the simulator's faults (simulator.Faults)."""

    media_url_seconds: float
    expire_media_urls: int
    corrupt_media: int


def is_valid_media_body(kind: str, media: object) -> bool:
    """Exactly one of `id` and `link`; caption for image, video and document only; filename
    for document only (cloud-api.md §6.1)."""
    if not isinstance(media, dict):
        return False
    if ("id" in media) == ("link" in media):
        return False
    reference = media.get("id", media.get("link"))
    if not isinstance(reference, str) or not reference:
        return False
    caption = media.get("caption")
    if caption is not None and (
        kind not in ("image", "video", "document")
        or not isinstance(caption, str)
        or len(caption) > 1024
    ):
        return False
    filename = media.get("filename")
    return filename is None or (kind == "document" and isinstance(filename, str))


class MediaStore:
    def __init__(self, *, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._media: dict[str, SimMedia] = {}
        # Download token → (media id, monotonic expiry).
        self._urls: dict[str, tuple[str, float]] = {}
        # Media message bodies accepted by the send endpoint, newest last.
        self.sent: deque[dict[str, Any]] = deque(maxlen=MAX_SENT_KEPT)
        self.uploads = 0
        self.downloads = 0
        self.lookups = 0

    def clear(self) -> None:
        self._media.clear()
        self._urls.clear()
        self.sent.clear()
        self.uploads = self.downloads = self.lookups = 0

    def add(
        self, *, owner: str, data: bytes, mime_type: str, filename: str | None = None
    ) -> SimMedia:
        media_id = str(secrets.randbelow(9 * 10**15) + 10**15)
        media = SimMedia(media_id, owner, data, mime_type, filename)
        self._media[media_id] = media
        return media

    def get(self, media_id: str) -> SimMedia | None:
        return self._media.get(media_id)

    def knows(self, body: dict[str, Any]) -> bool:
        """A media send names a media id this store holds (or a link)."""
        kind = body.get("type")
        media = body.get(kind) if isinstance(kind, str) else None
        if not isinstance(media, dict):
            return False
        return "link" in media or media.get("id") in self._media

    def record_send(self, body: dict[str, Any]) -> None:
        if body.get("type") in MEDIA_KINDS:
            self.sent.append(body)

    def state(self) -> dict[str, Any]:
        return {
            "stored": len(self._media),
            "uploads": self.uploads,
            "lookups": self.lookups,
            "downloads": self.downloads,
            "sent": len(self.sent),
        }

    # -- endpoints -------------------------------------------------------------------------

    async def upload(self, phone_number_id: str, request: Request) -> Response:
        from atende.whatsapp.simulator import graph_error

        if not _authorized(request):
            return graph_error(190, status=401)
        form = await request.form()
        file, mime_type = form.get("file"), form.get("type")
        if (
            form.get("messaging_product") != "whatsapp"
            or not isinstance(file, UploadFile)
            or not isinstance(mime_type, str)
        ):
            return graph_error(100)
        data = await file.read()
        sniffed = sniff(data[:HEAD_BYTES], declared=mime_type, filename=file.filename)
        kinds = kinds_for(mime_type)
        # A type Meta does not take, or content that is not that type: 131053.
        if not kinds or sniffed.mime_type != base_mime(mime_type):
            return graph_error(131053)
        if len(data) > max(max_bytes_for(k, animated=sniffed.animated) for k in kinds):
            return graph_error(131053)
        self.uploads += 1
        media = self.add(
            owner=phone_number_id, data=data, mime_type=mime_type, filename=file.filename
        )
        return JSONResponse({"id": media.id})

    def lookup(self, media_id: str, request: Request, *, faults: MediaFaults) -> Response:
        from atende.whatsapp.simulator import graph_error

        if not _authorized(request):
            return graph_error(190, status=401)
        media = self._media.get(media_id)
        owner = request.query_params.get("phone_number_id")
        if media is None or (owner is not None and owner != media.owner):
            return graph_error(100)
        self.lookups += 1
        token = secrets.token_urlsafe(24)
        self._urls[token] = (media_id, time.monotonic() + faults.media_url_seconds)
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "url": f"{self.base_url}/_media/{token}",
                "mime_type": media.mime_type,
                "sha256": media.sha256,
                # A string, as Meta documents it.
                "file_size": str(len(media.data)),
                "id": media.id,
            }
        )

    def download(self, token: str, request: Request, *, faults: MediaFaults) -> Response:
        if not _authorized(request):
            return Response(status_code=401)
        found = self._urls.get(token)
        if found is None or found[1] < time.monotonic():
            self._urls.pop(token, None)
            return Response(status_code=404)
        if faults.expire_media_urls:
            faults.expire_media_urls -= 1
            return Response(status_code=404)
        media = self._media.get(found[0])
        if media is None:
            return Response(status_code=404)
        self.downloads += 1
        data = media.data
        if faults.corrupt_media:
            faults.corrupt_media -= 1
            data = bytes((data[0] ^ 0xFF,)) + data[1:]
        return Response(data, media_type=media.mime_type)


def _authorized(request: Request) -> bool:
    auth = request.headers.get("authorization", "")
    return auth.lower().startswith("bearer ") and bool(auth[7:].strip())
