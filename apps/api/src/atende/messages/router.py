import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request

from atende.conversations.dependencies import ConversationDep
from atende.conversations.schemas import ConversationRead
from atende.core.db import SessionDep
from atende.core.deps import CurrentUser, SettingsDep
from atende.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from atende.core.schemas import Page
from atende.messages import media_send, template_send
from atende.messages import service as messages_service
from atende.messages.schemas import (
    ContactMediaMessageCreate,
    ContactMessageBody,
    ContactTemplateMessageCreate,
    MediaMessageCreate,
    MessageCreate,
    MessageRead,
    TemplateMessageCreate,
)
from atende.whatsapp.client import GraphClient

router = APIRouter(tags=["messages"])


def get_graph(request: Request) -> GraphClient:
    graph: GraphClient = request.app.state.graph
    return graph


GraphDep = Annotated[GraphClient, Depends(get_graph)]


def wake_sender(request: Request) -> None:
    """Lets the embedded sender claim a just-queued message at once (worker processes poll)."""
    outbox = getattr(request.app.state, "outbox", None)
    if outbox is not None:
        outbox.wake()


@router.get("/conversations/{conversation_id}/messages", operation_id="messages-list_messages")
async def list_messages(
    session: SessionDep,
    conversation: ConversationDep,
    before: uuid.UUID | None = None,
    cursor: Annotated[uuid.UUID | None, Query(description="Alias of `before`.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[MessageRead]:
    return await messages_service.list_thread(
        session, conversation=conversation, before=before or cursor, limit=limit
    )


@router.post(
    "/conversations/{conversation_id}/messages",
    status_code=202,
    operation_id="messages-send_message",
)
async def send_message(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    conversation: ConversationDep,
    body: MessageCreate,
) -> MessageRead:
    if isinstance(body, TemplateMessageCreate):
        message = await template_send.send_template(
            session, user=user, conversation=conversation, template=body.template
        )
    elif isinstance(body, MediaMessageCreate):
        message = await media_send.send_media(
            session, user=user, conversation=conversation, data=body
        )
    else:
        message = await messages_service.send_text(
            session,
            user=user,
            conversation=conversation,
            text=body.text,
            reply_to_id=body.reply_to_id,
        )
    wake_sender(request)
    return message


@router.post("/messages", status_code=202, operation_id="messages-send_to_contact")
async def send_to_contact(
    request: Request, session: SessionDep, user: CurrentUser, body: ContactMessageBody
) -> MessageRead:
    if isinstance(body, ContactTemplateMessageCreate):
        message = await template_send.send_template_to_contact(
            session,
            user=user,
            number_id=body.number_id,
            template=body.template,
            contact_id=body.contact_id,
            phone=body.phone,
        )
        wake_sender(request)
        return message
    if isinstance(body, ContactMediaMessageCreate):
        message = await media_send.send_media_to_contact(
            session, user=user, contact_id=body.contact_id, number_id=body.number_id, data=body
        )
        wake_sender(request)
        return message
    message = await messages_service.send_to_contact(
        session,
        user=user,
        contact_id=body.contact_id,
        number_id=body.number_id,
        text=body.text,
        reply_to_id=body.reply_to_id,
    )
    wake_sender(request)
    return message


@router.post("/conversations/{conversation_id}/read", operation_id="messages-mark_read")
async def mark_read(
    request: Request,
    session: SessionDep,
    conversation: ConversationDep,
    graph: GraphDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> ConversationRead:
    read, receipt = await messages_service.mark_read(session, conversation=conversation)
    if receipt is not None:
        # Sent after the response: the agent never waits for (or sees a failure of) Meta.
        background.add_task(
            messages_service.deliver_read_receipt,
            graph,
            receipt,
            settings=settings,
            secret=request.app.state.jwt_secret,
        )
    return read
