"""What every outbound send (text, template, media) shares: the pair's open conversation,
the 24-hour window, the quoted message, and the queued row with its message:new event.

A send never calls Meta: it stores the message as `queued` with the exact Graph request body
and commits; the outbox sender (messages/outbox.py) delivers it.
"""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atende.contacts.models import Contact
from atende.conversations import repository as conversations_repository
from atende.conversations.exceptions import ContactNotFound, ConversationNotFound
from atende.conversations.models import Conversation, ConversationStatus
from atende.conversations.policy import can_see
from atende.core.db import commit, queue_event, rollback
from atende.core.deps import Principal
from atende.core.types import utcnow
from atende.messages.exceptions import InvalidReplyTarget, NumberInactive, OutsideServiceWindow
from atende.messages.models import Direction, Message, MessageStatus
from atende.messages.repository import to_message_read
from atende.messages.schemas import MessageRead, ReplyRef, UserRef
from atende.metrics.instruments import OUTBOUND_QUEUED, count_on_commit
from atende.numbers.exceptions import NumberNotFound
from atende.numbers.models import Number
from atende.realtime.events import MESSAGE_NEW, conversation_event
from atende.users.models import Role

T = TypeVar("T")

WINDOW_MESSAGE = (
    "More than 24 hours have passed since the customer's last message: "
    "only an approved template can be sent now"
)


def check_active(number: Number) -> None:
    if not number.is_active:
        raise NumberInactive("This number is inactive and cannot send messages")


def check_service_window(last_inbound_at: datetime | None, now: datetime) -> None:
    """Refused here, before any network call, instead of by Meta with 131047."""
    window = conversations_repository.SERVICE_WINDOW
    if last_inbound_at is None or last_inbound_at + window <= now:
        raise OutsideServiceWindow(WINDOW_MESSAGE)


async def reply_target(
    session: AsyncSession, *, conversation: Conversation, reply_to_id: uuid.UUID | None
) -> Message | None:
    if reply_to_id is None:
        return None
    target = await session.get(Message, reply_to_id)
    if target is None or target.conversation_id != conversation.id or not target.wamid:
        raise InvalidReplyTarget("Only a delivered message of this conversation can be quoted")
    return target


async def open_conversation(
    session: AsyncSession,
    *,
    user: Principal,
    number: Number,
    contact: Contact,
    check_window: bool = True,
) -> Conversation:
    """The pair's open conversation, or a new one in the number's default team.

    Meta's window belongs to the (number, customer) pair, so a new conversation inherits the
    newest inbound time of the pair's earlier conversations.
    """
    existing = await session.scalar(
        select(Conversation).where(
            Conversation.number_id == number.id,
            Conversation.contact_id == contact.id,
            Conversation.status == ConversationStatus.OPEN,
        )
    )
    if existing is not None:
        if not can_see(user, team_id=existing.team_id, assignee_id=existing.assignee_id):
            raise ConversationNotFound("Conversation not found")
        return existing
    last_inbound_at = await session.scalar(
        select(func.max(Conversation.last_inbound_at)).where(
            Conversation.number_id == number.id, Conversation.contact_id == contact.id
        )
    )
    if check_window:
        check_service_window(last_inbound_at, utcnow())
    conversation = Conversation(
        number_id=number.id,
        contact_id=contact.id,
        status=ConversationStatus.OPEN,
        team_id=number.default_team_id,
        # An agent who starts a conversation owns it (and so can always see it).
        assignee_id=user.id if user.role == Role.AGENT else None,
        last_inbound_at=last_inbound_at,
        last_message_at=utcnow(),
    )
    session.add(conversation)
    await session.flush()
    return conversation


async def open_pair_conversation(
    session: AsyncSession, *, user: Principal, contact_id: uuid.UUID, number_id: uuid.UUID
) -> Conversation:
    """`open_conversation` for a send that names the contact and the number by id."""
    contact = await session.get(Contact, contact_id)
    if contact is None:
        raise ContactNotFound("Contact not found")
    number = await session.get(Number, number_id)
    if number is None:
        raise NumberNotFound("Number not found")
    return await open_conversation(session, user=user, number=number, contact=contact)


async def retry_on_conflict(session: AsyncSession, send: Callable[[], Awaitable[T]]) -> T:
    """Runs `send` a second time when it loses a race on a unique constraint: another
    request created the contact or opened the pair's conversation first, and the second
    run uses theirs. `send` must load its rows itself, since the rollback expires them."""
    for attempt in range(2):
        try:
            return await send()
        except IntegrityError:
            await rollback(session)
            if attempt:
                raise
    raise AssertionError("unreachable")


async def queue_outbound(
    session: AsyncSession,
    *,
    user: Principal,
    conversation: Conversation,
    message: Message,
    now: datetime,
    reply_to: Message | None = None,
    is_automated: bool = False,
    counts_as_response: bool = True,
) -> MessageRead:
    """Stores `message` (whose id, type, text and Graph body the caller has set) as the
    user's queued message in `conversation`, moves the conversation's last message and first
    response on, queues message:new and commits: one transaction, no network.

    An automated send (an integration's template, a bot) never counts as the first response.
    """
    message.conversation_id = conversation.id
    message.direction = Direction.OUTBOUND
    message.sender_id = user.id
    message.is_automated = is_automated
    message.status = MessageStatus.QUEUED
    message.timestamp = now
    message.created_at = now
    # Due at once: the outbox claims queued rows by `next_attempt_at`.
    message.attempts = 0
    message.next_attempt_at = now
    session.add(message)
    count_on_commit(session, OUTBOUND_QUEUED)
    conversation.last_message_id = message.id
    conversation.last_message_at = now
    if not is_automated and counts_as_response and conversation.first_response_at is None:
        conversation.first_response_at = now
    await session.flush()

    read = to_message_read(message).model_copy(
        update={
            "sender": UserRef(id=user.id, name=user.name),
            "reply_to": (
                ReplyRef(
                    id=reply_to.id,
                    wamid=reply_to.wamid or "",
                    text=reply_to.text,
                    direction=reply_to.direction,
                )
                if reply_to
                else None
            ),
        }
    )
    conversation_read = await conversations_repository.load_read(session, conversation.id)
    queue_event(
        session,
        conversation_event(
            MESSAGE_NEW,
            {
                "conversation": conversation_read.model_dump(mode="json")
                if conversation_read
                else None,
                "message": read.model_dump(mode="json"),
            },
            team_id=conversation.team_id,
            assignee_id=conversation.assignee_id,
        ),
    )
    await commit(session)
    return read
