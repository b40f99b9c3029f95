"""Short-lived signed links to media files, for `<img>`, `<audio>` and `<video>`, which cannot
send the bearer token.

A link is `/api/media/{message_id}?exp=<unix>&sig=<hmac>`; the signature proves that the
server handed it to a user allowed to see the conversation, so the route that serves it
needs no token. Message objects are built in many places (REST reads, realtime events, in
api and worker processes), so the key lives here, configured once per process from the
JWT secret every process of a deployment shares. Expiry times are rounded up to a step of
half the lifetime, so reads close together give the same URL and browsers reuse the cached
file.
"""

import base64
import hashlib
import hmac
import math
import secrets
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum

_DOMAIN = b"atende:media-link:v1"


@dataclass
class _Config:
    # Random until configured: links then only verify in this process (scripts, tests).
    key: bytes
    seconds: int


_config = _Config(key=secrets.token_bytes(32), seconds=600)


def configure(secret: str, *, seconds: int) -> None:
    _config.key = hmac.new(secret.encode(), _DOMAIN, hashlib.sha256).digest()
    _config.seconds = max(2, seconds)


def _signature(message_id: uuid.UUID, exp: int) -> str:
    digest = hmac.new(_config.key, f"{message_id}.{exp}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def expiry(now: float | None = None) -> int:
    """Between half the lifetime and the whole lifetime from now."""
    step = _config.seconds / 2
    return int(math.ceil(((now if now is not None else time.time()) + step) / step) * step)


def signed_url(message_id: uuid.UUID, *, now: float | None = None) -> str:
    exp = expiry(now)
    return f"/api/media/{message_id}?exp={exp}&sig={_signature(message_id, exp)}"


class LinkCheck(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


def check(message_id: uuid.UUID, exp: int, sig: str, *, now: float | None = None) -> LinkCheck:
    if not sig.isascii() or not hmac.compare_digest(_signature(message_id, exp), sig):
        return LinkCheck.INVALID
    if exp < (now if now is not None else time.time()):
        return LinkCheck.EXPIRED
    return LinkCheck.VALID
