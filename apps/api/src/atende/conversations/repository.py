"""Loading conversations as inbox rows in one query (no N+1)."""

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from atende.contacts.models import Contact
from atende.conversations.models import Conversation
from atende.conversations.schemas import ContactRef, ConversationRead, NumberRef, TeamRef
from atende.messages.models import Message
from atende.messages.repository import to_message_read
from atende.messages.schemas import UserRef
from atende.numbers.models import Number
from atende.teams.models import Team
from atende.users.models import User

# Meta's customer service window (cloud-api.md §10).
SERVICE_WINDOW = timedelta(hours=24)

Assignee = aliased(User, name="assignee")
Sender = aliased(User, name="sender")
LastMessage = aliased(Message, name="last_message")


def read_query() -> Select[Any]:
    """Conversation with everything its inbox row shows."""
    return (
        select(Conversation, Contact, Number, Assignee, Team, LastMessage, Sender)
        .join(Contact, Contact.id == Conversation.contact_id)
        .join(Number, Number.id == Conversation.number_id)
        .outerjoin(Assignee, Assignee.id == Conversation.assignee_id)
        .outerjoin(Team, Team.id == Conversation.team_id)
        .outerjoin(LastMessage, LastMessage.id == Conversation.last_message_id)
        .outerjoin(Sender, Sender.id == LastMessage.sender_id)
    )


def to_read(row: Sequence[Any]) -> ConversationRead:
    conversation, contact, number, assignee, team, last_message, sender = row
    return ConversationRead(
        id=conversation.id,
        status=conversation.status,
        number=NumberRef.model_validate(number),
        contact=ContactRef.model_validate(contact),
        assignee=UserRef(id=assignee.id, name=assignee.name) if assignee else None,
        team=TeamRef.model_validate(team) if team else None,
        last_message=to_message_read(last_message, sender) if last_message else None,
        last_message_at=conversation.last_message_at,
        last_inbound_at=conversation.last_inbound_at,
        unread_count=conversation.unread_count,
        window_expires_at=(
            conversation.last_inbound_at + SERVICE_WINDOW if conversation.last_inbound_at else None
        ),
        first_response_at=conversation.first_response_at,
        resolved_at=conversation.resolved_at,
        created_at=conversation.created_at,
    )


async def load_reads(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ConversationRead]:
    if not ids:
        return {}
    rows = (await session.execute(read_query().where(Conversation.id.in_(ids)))).all()
    return {row[0].id: to_read(row) for row in rows}


async def load_read(session: AsyncSession, conversation_id: uuid.UUID) -> ConversationRead | None:
    return (await load_reads(session, [conversation_id])).get(conversation_id)
