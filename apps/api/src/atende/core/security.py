"""Password hashing, JWT access tokens, opaque refresh tokens and secret encryption."""

import base64
import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken

from atende.core.exceptions import Unauthorized

_hasher = PasswordHasher()
# Verifying against this keeps an unknown email as slow as a wrong password (no enumeration).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
JWT_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


class TokenExpired(Unauthorized):
    code = "token_expired"


def create_access_token(
    *, secret: str, user_id: uuid.UUID, role: str, minutes: int, now: datetime | None = None
) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "role": role,
        "type": "access",
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(minutes=minutes)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


def decode_access_token(token: str, *, secret: str) -> dict[str, Any]:
    """Claims of a valid access token; only HS256 is accepted (never `alg: none`)."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "sub"]}
        )
    except jwt.ExpiredSignatureError as e:
        raise TokenExpired("Access token expired") from e
    except jwt.PyJWTError as e:
        raise Unauthorized("Invalid access token", code="invalid_token") from e
    if claims.get("type") != "access":
        raise Unauthorized("Invalid access token", code="invalid_token")
    return claims


def new_refresh_token() -> str:
    return secrets.token_urlsafe(48)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SecretBox:
    """Encrypts stored secrets (number access tokens) with a key derived from a secret."""

    def __init__(self, secret: str) -> None:
        key = hashlib.sha256(b"atende-secret-box:" + secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str) -> str | None:
        try:
            return self._fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            return None
