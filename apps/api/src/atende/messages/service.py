"""Sending text (into the outbox), reading a thread, and marking a conversation read.

A send never calls Meta: it stores the message as `queued` with the exact Graph request body
and commits; the outbox sender (messages/outbox.py) delivers it.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atende.contacts.models import Contact
from atende.conversations import repository as conversations_repository
from atende.conversations.exceptions import ContactNotFound, ConversationNotFound
from atende.conversations.models import Conversation, ConversationStatus
from atende.conversations.policy import can_see
from atende.conversations.schemas import ConversationRead
from atende.core.config import Settings
from atende.core.db import commit, queue_event, rollback
from atende.core.deps import Principal
from atende.core.schemas import Page
from atende.core.types import new_id, utcnow
from atende.messages.exceptions import (
    InvalidMessageCursor,
    InvalidReplyTarget,
    NumberInactive,
    OutsideServiceWindow,
)
from atende.messages.models import Direction, Message, MessageStatus
from atende.messages.repository import to_message_read
from atende.messages.schemas import MessageRead, ReplyRef, UserRef
from atende.numbers.exceptions import NumberNotFound
from atende.numbers.models import Number
from atende.numbers.service import access_token_for
from atende.realtime.events import CONVERSATION_UPDATED, MESSAGE_NEW, conversation_event
from atende.users.models import Role, User
from atende.whatsapp import schemas as graph_schemas
from atende.whatsapp.client import GraphClient, base_url_for, token_or_simulator
from atende.whatsapp.exceptions import WhatsAppError

logger = logging.getLogger(__name__)

WINDOW_MESSAGE = (
    "More than 24 hours have passed since the customer's last message: "
    "only an approved template can be sent now"
)


def _check_window(last_inbound_at: datetime | None, now: datetime) -> None:
    """Refused here, before any network call, instead of by Meta with 131047."""
    window = conversations_repository.SERVICE_WINDOW
    if last_inbound_at is None or last_inbound_at + window <= now:
        raise OutsideServiceWindow(WINDOW_MESSAGE)


async def _reply_target(
    session: AsyncSession, *, conversation: Conversation, reply_to_id: uuid.UUID | None
) -> Message | None:
    if reply_to_id is None:
        return None
    target = await session.get(Message, reply_to_id)
    if target is None or target.conversation_id != conversation.id or not target.wamid:
        raise InvalidReplyTarget("Only a delivered message of this conversation can be quoted")
    return target


async def _queue_text(
    session: AsyncSession,
    *,
    user: Principal,
    conversation: Conversation,
    number: Number,
    contact: Contact,
    text: str,
    reply_to_id: uuid.UUID | None,
) -> MessageRead:
    """Writes the queued message and the conversation's new state, queues message:new and
    commits: one transaction, no network."""
    now = utcnow()
    if not number.is_active:
        raise NumberInactive("This number is inactive and cannot send messages")
    _check_window(conversation.last_inbound_at, now)
    target = await _reply_target(session, conversation=conversation, reply_to_id=reply_to_id)
    message_id = new_id()
    message = Message(
        id=message_id,
        conversation_id=conversation.id,
        direction=Direction.OUTBOUND,
        type="text",
        text=text,
        payload=graph_schemas.text_message_body(
            wa_id=contact.wa_id,
            user_id=contact.user_id,
            text=text,
            reply_to_wamid=target.wamid if target else None,
            callback_data=str(message_id),
        ),
        reply_to_wamid=target.wamid if target else None,
        sender_id=user.id,
        is_automated=False,
        status=MessageStatus.QUEUED,
        timestamp=now,
        created_at=now,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(message)
    conversation.last_message_id = message_id
    conversation.last_message_at = now
    if conversation.first_response_at is None:
        conversation.first_response_at = now
    await session.flush()

    read = to_message_read(message).model_copy(
        update={
            "sender": UserRef(id=user.id, name=user.name),
            "reply_to": (
                ReplyRef(
                    id=target.id,
                    wamid=target.wamid or "",
                    text=target.text,
                    direction=target.direction,
                )
                if target
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


async def send_text(
    session: AsyncSession,
    *,
    user: Principal,
    conversation: Conversation,
    text: str,
    reply_to_id: uuid.UUID | None = None,
) -> MessageRead:
    """Queues a text reply in a conversation the caller may see (checked by the caller's
    dependency)."""
    number = await session.get(Number, conversation.number_id)
    contact = await session.get(Contact, conversation.contact_id)
    assert number is not None and contact is not None  # foreign keys
    return await _queue_text(
        session,
        user=user,
        conversation=conversation,
        number=number,
        contact=contact,
        text=text,
        reply_to_id=reply_to_id,
    )


async def _open_conversation(
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
        _check_window(last_inbound_at, utcnow())
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


async def send_to_contact(
    session: AsyncSession,
    *,
    user: Principal,
    contact_id: uuid.UUID,
    number_id: uuid.UUID,
    text: str,
    reply_to_id: uuid.UUID | None = None,
) -> MessageRead:
    for attempt in range(2):
        contact = await session.get(Contact, contact_id)
        if contact is None:
            raise ContactNotFound("Contact not found")
        number = await session.get(Number, number_id)
        if number is None:
            raise NumberNotFound("Number not found")
        try:
            conversation = await _open_conversation(
                session, user=user, number=number, contact=contact
            )
            return await _queue_text(
                session,
                user=user,
                conversation=conversation,
                number=number,
                contact=contact,
                text=text,
                reply_to_id=reply_to_id,
            )
        except IntegrityError:
            # Another request opened the pair's conversation first: use that one.
            await rollback(session)
            if attempt:
                raise
    raise AssertionError("unreachable")


async def list_thread(
    session: AsyncSession,
    *,
    conversation: Conversation,
    before: uuid.UUID | None,
    limit: int,
) -> Page[MessageRead]:
    """A page of the thread, oldest first within the page; `next_cursor` goes back in time.

    Two queries whatever the page size: the messages with their senders, then the quoted
    messages they reply to.
    """
    stmt = (
        select(Message, User)
        .outerjoin(User, User.id == Message.sender_id)
        .where(Message.conversation_id == conversation.id)
    )
    if before is not None:
        anchor = await session.get(Message, before)
        if anchor is None or anchor.conversation_id != conversation.id:
            raise InvalidMessageCursor("The cursor is not a message of this conversation")
        bound = tuple_(
            literal(anchor.timestamp, Message.timestamp.type), literal(anchor.id, Message.id.type)
        )
        stmt = stmt.where(tuple_(Message.timestamp, Message.id) < bound)
    stmt = stmt.order_by(Message.timestamp.desc(), Message.id.desc()).limit(limit + 1)
    rows = (await session.execute(stmt)).all()
    has_more = len(rows) > limit
    rows = list(reversed(rows[:limit]))

    quoted = {m.reply_to_wamid for m, _ in rows if m.reply_to_wamid}
    targets: dict[str, ReplyRef] = {}
    if quoted:
        # Only messages of the same customer and number: a quote never reveals other threads.
        found = await session.execute(
            select(Message.id, Message.wamid, Message.text, Message.direction)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.wamid.in_(quoted),
                Conversation.number_id == conversation.number_id,
                Conversation.contact_id == conversation.contact_id,
            )
        )
        targets = {
            wamid: ReplyRef(id=id_, wamid=wamid, text=text, direction=direction)
            for id_, wamid, text, direction in found.all()
            if wamid is not None
        }
    items = [
        to_message_read(message, sender).model_copy(
            update={
                "reply_to": targets.get(message.reply_to_wamid)
                or ReplyRef(id=None, wamid=message.reply_to_wamid, text=None, direction=None)
            }
            if message.reply_to_wamid
            else {}
        )
        for message, sender in rows
    ]
    return Page[MessageRead](items=items, next_cursor=str(items[0].id) if has_more else None)


@dataclass(frozen=True)
class ReadReceipt:
    """What Meta needs to show the customer blue ticks up to `wamid`."""

    number: Number
    wamid: str


async def mark_read(
    session: AsyncSession, *, conversation: Conversation
) -> tuple[ConversationRead, ReadReceipt | None]:
    """Marks the inbound messages read for the agents; the receipt for Meta (newest inbound
    wamid: it covers every earlier message) is returned to be sent after the commit."""
    result = await session.execute(
        update(Message)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == Direction.INBOUND,
            Message.is_read_by_agent.is_(False),
        )
        .values(is_read_by_agent=True)
        .execution_options(synchronize_session=False)
    )
    newly_read = getattr(result, "rowcount", 0) or 0
    latest = await session.scalar(
        select(Message.wamid)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == Direction.INBOUND,
            Message.wamid.is_not(None),
        )
        .order_by(Message.timestamp.desc(), Message.id.desc())
        .limit(1)
    )
    conversation.unread_count = 0
    await session.flush()
    read = await conversations_repository.load_read(session, conversation.id)
    assert read is not None
    queue_event(
        session,
        conversation_event(
            CONVERSATION_UPDATED,
            {"conversation": read.model_dump(mode="json")},
            team_id=conversation.team_id,
            assignee_id=conversation.assignee_id,
        ),
    )
    number = await session.get(Number, conversation.number_id)
    assert number is not None
    await commit(session)
    receipt = None
    if newly_read and latest:
        receipt = ReadReceipt(number=number, wamid=latest)
    return read, receipt


async def deliver_read_receipt(
    graph: GraphClient, receipt: ReadReceipt, *, settings: Settings, secret: str
) -> None:
    """Best effort, after the response: a failed receipt only costs the customer's blue
    ticks, so it is logged and never shown to the agent."""
    number = receipt.number
    token = token_or_simulator(
        access_token_for(number, secret=secret, default=settings.whatsapp_token),
        is_simulated=number.is_simulated,
    )
    try:
        await graph.mark_read(
            number.phone_number_id,
            token,
            receipt.wamid,
            base_url=base_url_for(settings, is_simulated=number.is_simulated),
        )
    except WhatsAppError as e:
        logger.warning(
            "read receipt failed",
            extra={"phone_number_id": number.phone_number_id, "code": e.code, "error": e.title},
        )
