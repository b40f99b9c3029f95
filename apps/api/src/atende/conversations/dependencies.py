"""Load-or-404 for conversations and the inbox query parameters."""

import uuid
from typing import Annotated

from fastapi import Depends, Query

from atende.conversations.constants import MAX_QUERY_LENGTH, ConversationView
from atende.conversations.exceptions import ConversationNotFound
from atende.conversations.models import Conversation, ConversationStatus
from atende.conversations.policy import can_see
from atende.conversations.schemas import ConversationFilters
from atende.core.db import SessionDep
from atende.core.deps import CurrentUser


async def valid_conversation(
    conversation_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Conversation:
    """The conversation, if the caller may see it; 404 otherwise (never reveal it exists)."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None or not can_see(
        user, team_id=conversation.team_id, assignee_id=conversation.assignee_id
    ):
        raise ConversationNotFound("Conversation not found")
    return conversation


ConversationDep = Annotated[Conversation, Depends(valid_conversation)]


def conversation_filters(
    status: ConversationStatus | None = None,
    number_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=MAX_QUERY_LENGTH)] = None,
) -> ConversationFilters:
    return ConversationFilters(
        status=status, number_id=number_id, team_id=team_id, q=(q or "").strip() or None
    )


ConversationFiltersDep = Annotated[ConversationFilters, Depends(conversation_filters)]
ViewParam = Annotated[ConversationView, Query()]
