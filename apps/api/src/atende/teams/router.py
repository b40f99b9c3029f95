import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from atende.core.db import SessionDep
from atende.core.deps import require_role
from atende.core.pagination import PageParamsDep
from atende.core.schemas import Page
from atende.teams import service
from atende.teams.schemas import TeamCreate, TeamMembersUpdate, TeamRead, TeamUpdate
from atende.users.models import Role

router = APIRouter(prefix="/teams", tags=["teams"])
admin_only = [Depends(require_role(Role.ADMIN))]


@router.get("", response_model=Page[TeamRead], operation_id="teams-list_teams")
async def list_teams(
    session: SessionDep,
    page: PageParamsDep,
    q: Annotated[str | None, Query(max_length=200, description="Search by name")] = None,
) -> Page[TeamRead]:
    return await service.list_teams(session, q=q, page=page)


@router.post(
    "",
    response_model=TeamRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=admin_only,
    operation_id="teams-create_team",
)
async def create_team(body: TeamCreate, session: SessionDep) -> TeamRead:
    return await service.create(session, data=body)


@router.get("/{team_id}", response_model=TeamRead, operation_id="teams-get_team")
async def get_team(team_id: uuid.UUID, session: SessionDep) -> TeamRead:
    return await service.read(session, team_id=team_id)


@router.patch(
    "/{team_id}", response_model=TeamRead, dependencies=admin_only, operation_id="teams-update_team"
)
async def update_team(team_id: uuid.UUID, body: TeamUpdate, session: SessionDep) -> TeamRead:
    return await service.update(session, team_id=team_id, data=body)


@router.put(
    "/{team_id}/members",
    response_model=TeamRead,
    dependencies=admin_only,
    operation_id="teams-replace_members",
)
async def replace_members(
    team_id: uuid.UUID, body: TeamMembersUpdate, session: SessionDep
) -> TeamRead:
    return await service.replace_members(session, team_id=team_id, user_ids=body.user_ids)


@router.delete(
    "/{team_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=admin_only,
    operation_id="teams-delete_team",
)
async def delete_team(team_id: uuid.UUID, session: SessionDep) -> Response:
    await service.delete_team(session, team_id=team_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
