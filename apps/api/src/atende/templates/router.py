import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, status

from atende.core.db import DatabaseDep, SessionDep
from atende.core.deps import SettingsDep, require_role
from atende.core.pagination import PageParamsDep
from atende.core.schemas import Page
from atende.templates import service, sync
from atende.templates.models import TemplateStatus
from atende.templates.schemas import TemplateRead, TemplateSyncAccepted
from atende.users.models import Role
from atende.whatsapp.client import GraphClient

router = APIRouter(prefix="/numbers/{number_id}/templates", tags=["templates"])


def get_graph(request: Request) -> GraphClient:
    graph: GraphClient = request.app.state.graph
    return graph


@router.get("", response_model=Page[TemplateRead], operation_id="templates-list_templates")
async def list_templates(
    number_id: uuid.UUID,
    session: SessionDep,
    page: PageParamsDep,
    status: TemplateStatus | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Search by name")] = None,
) -> Page[TemplateRead]:
    return await service.list_templates(session, number_id=number_id, page=page, status=status, q=q)


@router.post(
    "/sync",
    response_model=TemplateSyncAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(require_role(Role.ADMIN, Role.SUPERVISOR))],
    operation_id="templates-sync_templates",
)
async def sync_templates(
    number_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    db: DatabaseDep,
    settings: SettingsDep,
    graph: Annotated[GraphClient, Depends(get_graph)],
    background: BackgroundTasks,
) -> TemplateSyncAccepted:
    accepted, target = await sync.prepare_sync(
        session, number_id=number_id, settings=settings, secret=request.app.state.jwt_secret
    )
    # After the response: listing a large WABA takes one Graph call per page.
    background.add_task(sync.sync_in_background, db, graph, target)
    return accepted
