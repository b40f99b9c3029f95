"""Meta's media limits (cloud-api.md §8), the one table uploads and sends are checked against."""

from dataclasses import dataclass
from enum import StrEnum

MB = 1024 * 1024
KB = 1024


class MediaKind(StrEnum):
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    STICKER = "sticker"


@dataclass(frozen=True, slots=True)
class KindLimits:
    mime_types: frozenset[str]
    max_bytes: int
    # Stickers: animated WebP may be larger than static WebP.
    max_animated_bytes: int | None = None
    takes_caption: bool = False


DOCUMENT_MIME_TYPES = frozenset(
    {
        "text/plain",
        "application/pdf",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }
)

LIMITS: dict[MediaKind, KindLimits] = {
    MediaKind.AUDIO: KindLimits(
        frozenset({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}), 16 * MB
    ),
    MediaKind.DOCUMENT: KindLimits(DOCUMENT_MIME_TYPES, 100 * MB, takes_caption=True),
    MediaKind.IMAGE: KindLimits(frozenset({"image/jpeg", "image/png"}), 5 * MB, takes_caption=True),
    MediaKind.STICKER: KindLimits(frozenset({"image/webp"}), 100 * KB, 500 * KB),
    MediaKind.VIDEO: KindLimits(
        frozenset({"video/mp4", "video/3gpp"}), 16 * MB, takes_caption=True
    ),
}

# The largest file Meta takes as any kind (a document); larger uploads are refused at once.
MAX_UPLOAD_BYTES = max(
    max(limits.max_bytes, limits.max_animated_bytes or 0) for limits in LIMITS.values()
)
# Meta does not deliver customer media over 100 MB (131052); anything larger is not theirs.
MAX_DOWNLOAD_BYTES = 100 * MB
MAX_CAPTION_LENGTH = 1024
MAX_FILENAME_LENGTH = 255

# Types a browser may render in place from our origin; anything else is served as an
# attachment, so a customer's file can never run script in the inbox's origin.
INLINE_MIME_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/gif",
        "audio/aac",
        "audio/amr",
        "audio/mpeg",
        "audio/mp4",
        "audio/ogg",
        "video/mp4",
        "video/3gpp",
        "application/pdf",
        "text/plain",
    }
)


def base_mime(mime_type: str | None) -> str:
    """`audio/ogg; codecs=opus` → `audio/ogg`."""
    return (mime_type or "").split(";", 1)[0].strip().lower()


def max_bytes_for(kind: MediaKind, *, animated: bool = False) -> int:
    limits = LIMITS[kind]
    if animated and limits.max_animated_bytes is not None:
        return limits.max_animated_bytes
    return limits.max_bytes


def kinds_for(mime_type: str) -> list[MediaKind]:
    """The kinds Meta accepts a file of this type as."""
    base = base_mime(mime_type)
    return [kind for kind, limits in LIMITS.items() if base in limits.mime_types]
