"""What a file really is, from its first bytes: the browser's Content-Type is only a hint.

Meta refuses a file whose declared type does not match its content (131053), and an inbox
serves the files back to browsers, so the type stored is the one the bytes prove. Office
formats share a container (ZIP or OLE2) and are told apart by their file name.
"""

from dataclasses import dataclass
from pathlib import PurePath

from atende.media.constants import base_mime

HEAD_BYTES = 4096
OCTET_STREAM = "application/octet-stream"

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE2_TYPES = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}
_ZIP_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


@dataclass(frozen=True, slots=True)
class Sniffed:
    mime_type: str
    # An animated WebP (a sticker's limit depends on it).
    animated: bool = False


def sniff(head: bytes, *, declared: str | None = None, filename: str | None = None) -> Sniffed:
    """The file's MIME type; `application/octet-stream` when it is nothing Meta knows."""
    hint = base_mime(declared)
    extension = PurePath(filename or "").suffix.lower()
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image/jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image/png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed("image/gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        # VP8X's flags byte carries the animation bit.
        animated = head[12:16] == b"VP8X" and len(head) > 20 and bool(head[20] & 0x02)
        return Sniffed("image/webp", animated=animated)
    if head.startswith(b"%PDF-"):
        return Sniffed("application/pdf")
    if head.startswith(b"OggS"):
        # Meta takes Ogg with the Opus codec only, in mono (the OpusHead's channel count).
        at = head.find(b"OpusHead", 0, 256)
        mono = at >= 0 and len(head) > at + 9 and head[at + 9] == 1
        return Sniffed("audio/ogg" if mono else "application/ogg")
    if head[4:8] == b"ftyp":
        return Sniffed(_iso_media(head[8:12], hint))
    if head.startswith(b"#!AMR"):
        return Sniffed("audio/amr")
    if head.startswith(b"ID3"):
        return Sniffed("audio/mpeg")
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return Sniffed("audio/aac")  # ADTS
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return Sniffed("audio/mpeg")  # an MPEG audio frame without an ID3 tag
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed("video/webm")
    if head.startswith(_OLE2):
        return Sniffed(_container(_OLE2_TYPES, extension, hint, "application/x-ole-storage"))
    if head.startswith(b"PK\x03\x04"):
        return Sniffed(_container(_ZIP_TYPES, extension, hint, "application/zip"))
    if (hint == "text/plain" or extension == ".txt") and _is_text(head):
        return Sniffed("text/plain")
    return Sniffed(OCTET_STREAM)


def _iso_media(brand: bytes, hint: str) -> str:
    if brand.startswith((b"3gp", b"3g2")):
        return "video/3gpp"
    if brand in (b"M4A ", b"M4B ") or hint == "audio/mp4":
        return "audio/mp4"
    return "video/mp4"


def _container(types: dict[str, str], extension: str, hint: str, fallback: str) -> str:
    if extension in types:
        return types[extension]
    return hint if hint in types.values() else fallback


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        # A multi-byte character cut by the end of the sample is still text.
        return e.start >= len(head) - 3 and e.reason == "unexpected end of data"
    return True
