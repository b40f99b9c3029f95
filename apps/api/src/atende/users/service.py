"""Users: administration (create, update, deactivate) and the password policy."""

import uuid
from collections.abc import Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atende.auth.models import RefreshToken
from atende.core.db import commit, rollback
from atende.core.deps import Principal
from atende.core.pagination import PageParams, paginate
from atende.core.schemas import Page
from atende.core.security import hash_password
from atende.core.types import utcnow
from atende.teams import service as teams_service
from atende.teams.models import TeamMember
from atende.users.exceptions import (
    CannotDeactivateSelf,
    CannotDemoteSelf,
    EmailTaken,
    UserNotFound,
    WeakPassword,
)
from atende.users.models import Role, User
from atende.users.schemas import UserCreate, UserRead, UserUpdate

MIN_PASSWORD_LENGTH = 10
# Long passphrases are strong without mixing character classes.
PASSPHRASE_LENGTH = 16


def check_password(password: str) -> None:
    """Raise `WeakPassword` (422) unless the password meets the policy."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"The password must have at least {MIN_PASSWORD_LENGTH} characters")
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if len(set(password)) < 4 or (classes < 2 and len(password) < PASSPHRASE_LENGTH):
        raise WeakPassword(
            "The password is too simple: mix letters with digits or symbols, "
            f"or use a passphrase of at least {PASSPHRASE_LENGTH} characters"
        )


async def get(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_or_raise(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await get(session, user_id)
    if user is None:
        raise UserNotFound("User not found")
    return user


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.strip().lower()))


async def _reads(session: AsyncSession, users: Sequence[User]) -> list[UserRead]:
    teams = await teams_service.teams_by_user(session, [u.id for u in users])
    return [
        UserRead(
            id=u.id,
            email=u.email,
            name=u.name,
            role=u.role,
            is_active=u.is_active,
            teams=teams[u.id],
            created_at=u.created_at,
        )
        for u in users
    ]


async def read(session: AsyncSession, *, user_id: uuid.UUID) -> UserRead:
    user = await get_or_raise(session, user_id)
    return (await _reads(session, [user]))[0]


async def list_users(
    session: AsyncSession,
    *,
    page: PageParams,
    q: str | None = None,
    role: Role | None = None,
    team_id: uuid.UUID | None = None,
    is_active: bool | None = None,
) -> Page[UserRead]:
    stmt = select(User)
    if q and q.strip():
        needle = q.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(User.name).contains(needle, autoescape=True),
                User.email.contains(needle, autoescape=True),
            )
        )
    if role is not None:
        stmt = stmt.where(User.role == role)
    if is_active is not None:
        stmt = stmt.where(User.is_active.is_(is_active))
    if team_id is not None:
        members = select(TeamMember.user_id).where(TeamMember.team_id == team_id)
        stmt = stmt.where(User.id.in_(members))
    users, next_cursor = await paginate(
        session, stmt, keys=(func.lower(User.name), User.id), page=page
    )
    return Page(items=await _reads(session, users), next_cursor=next_cursor)


async def _revoke_refresh_tokens(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def add_user(
    session: AsyncSession, *, email: str, name: str, password: str, role: Role
) -> User:
    """Insert a user after the uniqueness and password checks; flushes, never commits."""
    email = email.strip().lower()
    if await get_by_email(session, email) is not None:
        raise EmailTaken("A user with this email already exists")
    check_password(password)
    user = User(email=email, name=name, password_hash=hash_password(password), role=role)
    session.add(user)
    await session.flush()
    return user


async def create(session: AsyncSession, *, data: UserCreate) -> UserRead:
    team_ids = await teams_service.require_teams(session, data.team_ids)
    user = await add_user(
        session, email=data.email, name=data.name, password=data.password, role=data.role
    )
    await teams_service.set_user_teams(session, user_id=user.id, team_ids=team_ids)
    try:
        await commit(session)
    except IntegrityError as e:
        # Lost a race with a concurrent create of the same email.
        await rollback(session)
        raise EmailTaken("A user with this email already exists") from e
    return await read(session, user_id=user.id)


async def update_user(
    session: AsyncSession, *, actor: Principal, user_id: uuid.UUID, data: UserUpdate
) -> UserRead:
    user = await get_or_raise(session, user_id)
    if user.id == actor.id:
        # An admin locking themselves out could leave the install with no admin at all.
        if data.is_active is False:
            raise CannotDeactivateSelf("You cannot deactivate your own account")
        if data.role is not None and data.role != Role.ADMIN:
            raise CannotDemoteSelf("You cannot remove your own administrator role")
    if data.team_ids is not None:
        team_ids = await teams_service.require_teams(session, data.team_ids)
        await teams_service.set_user_teams(session, user_id=user.id, team_ids=team_ids)
    if data.name is not None:
        user.name = data.name
    if data.role is not None:
        user.role = data.role
    if data.password is not None:
        check_password(data.password)
        user.password_hash = hash_password(data.password)
        # Sessions opened with the old password end with it.
        await _revoke_refresh_tokens(session, user.id)
    if data.is_active is not None and data.is_active != user.is_active:
        user.is_active = data.is_active
        if not data.is_active:
            await _revoke_refresh_tokens(session, user.id)
    await commit(session)
    return await read(session, user_id=user.id)


async def deactivate(session: AsyncSession, *, actor: Principal, user_id: uuid.UUID) -> None:
    """Deactivate, never delete: messages and transfers keep their author.

    Access tokens stop working at once (every request reloads the user); refresh tokens
    are revoked.
    """
    user = await get_or_raise(session, user_id)
    if user.id == actor.id:
        raise CannotDeactivateSelf("You cannot deactivate your own account")
    user.is_active = False
    await _revoke_refresh_tokens(session, user.id)
    await commit(session)
