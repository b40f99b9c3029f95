import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from atende.core.db import SessionDep
from atende.core.deps import CurrentUser
from atende.core.pagination import PageParamsDep
from atende.core.schemas import Page
from atende.quick_replies import service
from atende.quick_replies.constants import MAX_QUERY_LENGTH
from atende.quick_replies.schemas import (
    QuickReplyCreate,
    QuickReplyRead,
    QuickReplyUpdate,
    RenderedQuickReply,
    RenderRequest,
)

router = APIRouter(prefix="/quick-replies", tags=["quick-replies"])


@router.get(
    "", response_model=Page[QuickReplyRead], operation_id="quick-replies-list_quick_replies"
)
async def list_quick_replies(
    user: CurrentUser,
    session: SessionDep,
    page: PageParamsDep,
    q: Annotated[
        str | None, Query(max_length=MAX_QUERY_LENGTH, description="Search shortcut or text")
    ] = None,
) -> Page[QuickReplyRead]:
    return await service.list_quick_replies(session, user=user, q=q, page=page)


@router.post(
    "",
    response_model=QuickReplyRead,
    status_code=status.HTTP_201_CREATED,
    operation_id="quick-replies-create_quick_reply",
)
async def create_quick_reply(
    body: QuickReplyCreate, user: CurrentUser, session: SessionDep
) -> QuickReplyRead:
    return await service.create(session, user=user, data=body)


@router.get(
    "/{quick_reply_id}",
    response_model=QuickReplyRead,
    operation_id="quick-replies-get_quick_reply",
)
async def get_quick_reply(
    quick_reply_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> QuickReplyRead:
    return await service.read(session, user=user, quick_reply_id=quick_reply_id)


@router.patch(
    "/{quick_reply_id}",
    response_model=QuickReplyRead,
    operation_id="quick-replies-update_quick_reply",
)
async def update_quick_reply(
    quick_reply_id: uuid.UUID, body: QuickReplyUpdate, user: CurrentUser, session: SessionDep
) -> QuickReplyRead:
    return await service.update(session, user=user, quick_reply_id=quick_reply_id, data=body)


@router.delete(
    "/{quick_reply_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="quick-replies-delete_quick_reply",
)
async def delete_quick_reply(
    quick_reply_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> Response:
    await service.delete_quick_reply(session, user=user, quick_reply_id=quick_reply_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{quick_reply_id}/render",
    response_model=RenderedQuickReply,
    operation_id="quick-replies-render_quick_reply",
)
async def render_quick_reply(
    quick_reply_id: uuid.UUID, body: RenderRequest, user: CurrentUser, session: SessionDep
) -> RenderedQuickReply:
    return await service.render(
        session, user=user, quick_reply_id=quick_reply_id, conversation_id=body.conversation_id
    )
