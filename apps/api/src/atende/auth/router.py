from fastapi import APIRouter, Request, Response, status
from sqlalchemy import select

from atende.auth import service
from atende.auth.schemas import LoginRequest, Me, RefreshRequest, TeamRef, TokenPair
from atende.core.db import SessionDep
from atende.core.deps import CurrentUser, SettingsDep
from atende.teams.models import Team, TeamMember
from atende.users.models import User

router = APIRouter(prefix="/auth", tags=["auth"])


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/login", response_model=TokenPair, operation_id="auth-login")
async def login(
    body: LoginRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> TokenPair:
    return await service.login(
        session,
        email=body.email,
        password=body.password,
        ip=_client_ip(request),
        settings=settings,
        secret=request.app.state.jwt_secret,
        throttle=request.app.state.login_throttle,
    )


@router.post("/refresh", response_model=TokenPair, operation_id="auth-refresh")
async def refresh(
    body: RefreshRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> TokenPair:
    return await service.refresh(
        session,
        refresh_token=body.refresh_token,
        settings=settings,
        secret=request.app.state.jwt_secret,
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, operation_id="auth-logout")
async def logout(body: RefreshRequest, session: SessionDep) -> Response:
    await service.logout(session, refresh_token=body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=Me, operation_id="auth-me")
async def me(user: CurrentUser, session: SessionDep) -> Me:
    row = await session.get(User, user.id)
    assert row is not None
    teams = (
        await session.scalars(
            select(Team)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.user_id == user.id)
            .order_by(Team.name)
        )
    ).all()
    return Me(
        id=row.id,
        email=row.email,
        name=row.name,
        role=row.role,
        teams=[TeamRef.model_validate(t) for t in teams],
    )
