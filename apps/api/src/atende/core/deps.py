"""Request dependencies: the authenticated principal and role gates."""

import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from atende.core.config import Settings
from atende.core.db import SessionDep
from atende.core.exceptions import PermissionDenied, Unauthorized
from atende.core.security import decode_access_token
from atende.teams.models import TeamMember
from atende.users.models import Role, User


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user, their role and their teams."""

    id: uuid.UUID
    name: str
    email: str
    role: Role
    team_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.ADMIN, Role.SUPERVISOR)


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]

_bearer = HTTPBearer(auto_error=False)


async def load_principal(session: AsyncSession, user_id: uuid.UUID) -> Principal | None:
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    team_ids = (
        await session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user.id))
    ).all()
    return Principal(
        id=user.id,
        name=user.name,
        email=user.email,
        role=Role(user.role),
        team_ids=frozenset(team_ids),
    )


async def principal_from_token(session: AsyncSession, token: str, secret: str) -> Principal:
    claims = decode_access_token(token, secret=secret)
    try:
        user_id = uuid.UUID(str(claims["sub"]))
    except ValueError as e:
        raise Unauthorized("Invalid access token", code="invalid_token") from e
    principal = await load_principal(session, user_id)
    if principal is None:
        raise Unauthorized("Invalid access token", code="invalid_token")
    return principal


async def get_current_user(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Missing bearer token")
    principal = await principal_from_token(
        session, credentials.credentials, request.app.state.jwt_secret
    )
    request.state.user_id = str(principal.id)
    return principal


CurrentUser = Annotated[Principal, Depends(get_current_user)]


def require_role(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    async def gate(user: CurrentUser) -> Principal:
        if user.role not in roles:
            raise PermissionDenied("Your role does not allow this action")
        return user

    return gate


AdminUser = Annotated[Principal, Depends(require_role(Role.ADMIN))]
StaffUser = Annotated[Principal, Depends(require_role(Role.ADMIN, Role.SUPERVISOR))]
