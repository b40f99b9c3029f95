import uuid

from fastapi import APIRouter

from atende.conversations import assignment
from atende.conversations import service as conversations_service
from atende.conversations.constants import ConversationView
from atende.conversations.dependencies import ConversationDep, ConversationFiltersDep
from atende.conversations.schemas import AssignRequest, ConversationCounts, ConversationRead
from atende.core.db import SessionDep
from atende.core.deps import CurrentUser
from atende.core.pagination import PageParamsDep
from atende.core.schemas import Page
from atende.transfers.schemas import TransferCreate

router = APIRouter(tags=["conversations"])


@router.get("/conversations", operation_id="conversations-list_conversations")
async def list_conversations(
    session: SessionDep,
    user: CurrentUser,
    filters: ConversationFiltersDep,
    page: PageParamsDep,
    view: ConversationView = ConversationView.MINE,
) -> Page[ConversationRead]:
    """Inbox tabs, newest activity first: `mine`, `team` (my teams'), `unassigned` (open,
    nobody on it, among what I may see) and `all` (ADMIN/SUPERVISOR only)."""
    return await conversations_service.list_conversations(
        session, user=user, view=view, filters=filters, page=page
    )


@router.get(
    "/conversations/counts",
    operation_id="conversations-count_conversations",
    response_model_exclude_none=True,
)
async def count_conversations(
    session: SessionDep, user: CurrentUser, number_id: uuid.UUID | None = None
) -> ConversationCounts:
    """Open conversations per tab (`all` only for ADMIN/SUPERVISOR)."""
    return await conversations_service.count_conversations(session, user=user, number_id=number_id)


@router.get("/conversations/{conversation_id}", operation_id="conversations-get_conversation")
async def get_conversation(session: SessionDep, conversation: ConversationDep) -> ConversationRead:
    return await conversations_service.get_read(session, conversation=conversation)


@router.post(
    "/conversations/{conversation_id}/assign", operation_id="conversations-assign_conversation"
)
async def assign_conversation(
    session: SessionDep, user: CurrentUser, conversation: ConversationDep, body: AssignRequest
) -> ConversationRead:
    """Assign (supervisors), take (`assignee_id` = me, when unassigned) or unassign
    (`assignee_id: null`; agents only their own). Writes one transfer record."""
    return await assignment.assign(session, conversation=conversation, actor=user, body=body)


@router.post(
    "/conversations/{conversation_id}/transfer",
    operation_id="conversations-transfer_conversation",
)
async def transfer_conversation(
    session: SessionDep, user: CurrentUser, conversation: ConversationDep, body: TransferCreate
) -> ConversationRead:
    """Hand over to a user, a team (its queue: unassigned) or a user within a team. Agents
    transfer only what is assigned to them."""
    return await assignment.transfer(session, conversation=conversation, actor=user, body=body)


@router.post(
    "/conversations/{conversation_id}/resolve", operation_id="conversations-resolve_conversation"
)
async def resolve_conversation(
    session: SessionDep, user: CurrentUser, conversation: ConversationDep
) -> ConversationRead:
    return await conversations_service.resolve(session, conversation=conversation, user=user)


@router.post(
    "/conversations/{conversation_id}/reopen", operation_id="conversations-reopen_conversation"
)
async def reopen_conversation(
    session: SessionDep, user: CurrentUser, conversation: ConversationDep
) -> ConversationRead:
    return await conversations_service.reopen(session, conversation=conversation, user=user)


@router.get(
    "/contacts/{contact_id}/conversations",
    operation_id="conversations-list_contact_conversations",
)
async def list_contact_conversations(
    session: SessionDep, user: CurrentUser, contact_id: uuid.UUID, page: PageParamsDep
) -> Page[ConversationRead]:
    """A contact's conversations the caller may see, newest first."""
    return await conversations_service.list_contact_history(
        session, user=user, contact_id=contact_id, page=page
    )
