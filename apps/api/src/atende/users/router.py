import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from atende.core.db import SessionDep
from atende.core.deps import AdminUser, StaffUser
from atende.core.pagination import PageParamsDep
from atende.core.schemas import Page
from atende.users import service
from atende.users.models import Role
from atende.users.schemas import UserCreate, UserRead, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=Page[UserRead], operation_id="users-list_users")
async def list_users(
    _: StaffUser,
    session: SessionDep,
    page: PageParamsDep,
    q: Annotated[str | None, Query(max_length=200, description="Search name or email")] = None,
    role: Role | None = None,
    team_id: uuid.UUID | None = None,
    is_active: bool | None = None,
) -> Page[UserRead]:
    return await service.list_users(
        session, page=page, q=q, role=role, team_id=team_id, is_active=is_active
    )


@router.post(
    "",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    operation_id="users-create_user",
)
async def create_user(body: UserCreate, _: AdminUser, session: SessionDep) -> UserRead:
    return await service.create(session, data=body)


@router.get("/{user_id}", response_model=UserRead, operation_id="users-get_user")
async def get_user(user_id: uuid.UUID, _: StaffUser, session: SessionDep) -> UserRead:
    return await service.read(session, user_id=user_id)


@router.patch("/{user_id}", response_model=UserRead, operation_id="users-update_user")
async def update_user(
    user_id: uuid.UUID, body: UserUpdate, actor: AdminUser, session: SessionDep
) -> UserRead:
    return await service.update_user(session, actor=actor, user_id=user_id, data=body)


@router.delete(
    "/{user_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="users-deactivate_user"
)
async def deactivate_user(user_id: uuid.UUID, actor: AdminUser, session: SessionDep) -> Response:
    await service.deactivate(session, actor=actor, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
