"""Serving a stored file over HTTP: its content type, one byte range (audio and video seek
with Range requests), and headers that keep a customer's file from acting as a page."""

import re
import urllib.parse

from starlette.responses import Response, StreamingResponse

from atende.media.constants import INLINE_MIME_TYPES, base_mime
from atende.media.exceptions import MediaNotFound
from atende.media.service import StoredMedia
from atende.media.storage import MediaStorage

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _disposition(media: StoredMedia) -> str:
    kind = "inline" if base_mime(media.mime_type) in INLINE_MIME_TYPES else "attachment"
    if not media.filename:
        return kind
    ascii_name = media.filename.encode("ascii", "replace").decode().replace('"', "_")
    quoted = urllib.parse.quote(media.filename, safe="")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"


def _range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end) inclusive for a single satisfiable range; None to send everything.
    Raises ValueError for an unsatisfiable one."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None  # several ranges or another unit: the whole file is a valid answer
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        length = int(last)
        if length == 0:
            raise ValueError("empty suffix range")
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise ValueError("range not satisfiable")
    return start, end


async def media_response(
    storage: MediaStorage,
    media: StoredMedia,
    *,
    range_header: str | None,
    cache_seconds: int | None = None,
) -> Response:
    size = await storage.size(media.key)
    if size is None:
        raise MediaNotFound("Media not found")
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": _disposition(media),
        # Nothing a stored file holds may run as a page of this origin.
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    if base_mime(media.mime_type) == "application/pdf":
        # Browsers' PDF viewers do not run in a sandboxed document.
        headers["Content-Security-Policy"] = "default-src 'none'"
    if cache_seconds is not None:
        headers["Cache-Control"] = f"private, max-age={max(0, cache_seconds)}"
    try:
        wanted = _range(range_header, size)
    except ValueError:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    if size == 0:
        return Response(b"", media_type=media.mime_type, headers=headers)
    start, end, status = 0, size - 1, 200
    if wanted is not None:
        start, end = wanted
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)
    return StreamingResponse(
        storage.iter_range(media.key, start, end),
        status_code=status,
        media_type=media.mime_type,
        headers=headers,
    )
