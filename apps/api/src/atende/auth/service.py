"""Login, refresh-token rotation with reuse detection, logout."""

import logging
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from atende.auth.models import RefreshToken
from atende.auth.schemas import TokenPair, UserBrief
from atende.auth.throttle import LoginThrottle
from atende.core.config import Settings
from atende.core.db import commit
from atende.core.exceptions import Throttled, Unauthorized
from atende.core.security import (
    create_access_token,
    hash_token,
    new_refresh_token,
    verify_password,
)
from atende.core.types import new_id, utcnow
from atende.users.models import User

logger = logging.getLogger(__name__)


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"


class InvalidRefreshToken(Unauthorized):
    code = "invalid_refresh_token"


async def _issue(
    session: AsyncSession, *, user: User, family_id: uuid.UUID, settings: Settings, secret: str
) -> TokenPair:
    refresh = new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id,
            token_hash=hash_token(refresh),
            expires_at=utcnow() + timedelta(days=settings.refresh_token_days),
        )
    )
    access = create_access_token(
        secret=secret, user_id=user.id, role=user.role, minutes=settings.access_token_minutes
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=settings.access_token_minutes * 60,
        user=UserBrief.model_validate(user),
    )


async def login(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    ip: str,
    settings: Settings,
    secret: str,
    throttle: LoginThrottle,
) -> TokenPair:
    email = email.strip().lower()
    retry_after = throttle.retry_after(email, ip)
    if retry_after:
        raise Throttled("Too many failed logins; try again later", retry_after=retry_after)
    user = await session.scalar(select(User).where(User.email == email))
    valid = verify_password(password, user.password_hash if user else None)
    if user is None or not valid or not user.is_active:
        throttle.record_failure(email, ip)
        # One answer for unknown email, wrong password and deactivated user.
        raise InvalidCredentials("Invalid email or password")
    throttle.reset(email, ip)
    pair = await _issue(session, user=user, family_id=new_id(), settings=settings, secret=secret)
    await commit(session)
    return pair


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def refresh(
    session: AsyncSession, *, refresh_token: str, settings: Settings, secret: str
) -> TokenPair:
    token = await session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == hash_token(refresh_token))
        .with_for_update()
    )
    if token is None:
        raise InvalidRefreshToken("Invalid refresh token")
    now = utcnow()
    if token.used_at is not None or token.revoked_at is not None:
        # A dead token presented again means it leaked: kill the whole family.
        logger.warning("refresh token reuse detected", extra={"family_id": str(token.family_id)})
        await _revoke_family(session, token.family_id)
        await commit(session)
        raise InvalidRefreshToken("Refresh token already used; please log in again")
    user = await session.get(User, token.user_id)
    if token.expires_at <= now or user is None or not user.is_active:
        await _revoke_family(session, token.family_id)
        await commit(session)
        raise InvalidRefreshToken("Refresh token expired")
    # Mark used only if still unused: two racing refreshes cannot both succeed.
    claimed = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await _revoke_family(session, token.family_id)
        await commit(session)
        raise InvalidRefreshToken("Refresh token already used; please log in again")
    pair = await _issue(
        session, user=user, family_id=token.family_id, settings=settings, secret=secret
    )
    await commit(session)
    return pair


async def logout(session: AsyncSession, *, refresh_token: str) -> None:
    token = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_token(refresh_token))
    )
    if token is not None:
        await _revoke_family(session, token.family_id)
        await commit(session)
