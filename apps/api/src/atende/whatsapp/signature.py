"""X-Hub-Signature-256: HMAC-SHA256 of the raw body with the app secret (cloud-api.md §3)."""

import hashlib
import hmac

PREFIX = "sha256="


def sign(body: bytes, app_secret: str) -> str:
    return PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def is_valid(body: bytes, header: str | None, app_secret: str) -> bool:
    if not header or not header.lower().startswith(PREFIX):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest().encode()
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a TypeError,
    # so a 500), and header values may hold any latin-1 byte.
    received = header[len(PREFIX) :].strip().lower().encode()
    return hmac.compare_digest(expected, received)
