import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from atende.core.db import SessionDep
from atende.core.deps import require_role
from atende.core.pagination import PageParamsDep
from atende.core.schemas import Page
from atende.numbers import service
from atende.numbers.dependencies import SecretBoxDep
from atende.numbers.schemas import NumberCreate, NumberRead, NumberUpdate
from atende.users.models import Role

router = APIRouter(prefix="/numbers", tags=["numbers"])
admin_only = [Depends(require_role(Role.ADMIN))]


@router.get("", response_model=Page[NumberRead], operation_id="numbers-list_numbers")
async def list_numbers(
    session: SessionDep,
    page: PageParamsDep,
    q: Annotated[str | None, Query(max_length=200, description="Search label or number")] = None,
    is_active: bool | None = None,
) -> Page[NumberRead]:
    return await service.list_numbers(session, page=page, q=q, is_active=is_active)


@router.post(
    "",
    response_model=NumberRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=admin_only,
    operation_id="numbers-create_number",
)
async def create_number(body: NumberCreate, session: SessionDep, box: SecretBoxDep) -> NumberRead:
    return await service.create(session, data=body, box=box)


@router.get("/{number_id}", response_model=NumberRead, operation_id="numbers-get_number")
async def get_number(number_id: uuid.UUID, session: SessionDep) -> NumberRead:
    return await service.read(session, number_id=number_id)


@router.patch(
    "/{number_id}",
    response_model=NumberRead,
    dependencies=admin_only,
    operation_id="numbers-update_number",
)
async def update_number(
    number_id: uuid.UUID, body: NumberUpdate, session: SessionDep, box: SecretBoxDep
) -> NumberRead:
    return await service.update(session, number_id=number_id, data=body, box=box)


@router.delete(
    "/{number_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=admin_only,
    operation_id="numbers-deactivate_number",
)
async def deactivate_number(number_id: uuid.UUID, session: SessionDep) -> Response:
    await service.deactivate(session, number_id=number_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
