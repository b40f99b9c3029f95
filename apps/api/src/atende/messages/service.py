"""Sending text (into the outbox), reading a thread, and marking a conversation read.

A send never calls Meta: it stores the message as `queued` with the exact Graph request body
and commits; the outbox sender (messages/outbox.py) delivers it.
"""

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import literal, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from atende.contacts.models import Contact
from atende.conversations import service as conversations_service
from atende.conversations.models import Conversation
from atende.conversations.schemas import ConversationRead
from atende.core.config import Settings
from atende.core.db import commit
from atende.core.deps import Principal
from atende.core.schemas import Page
from atende.core.types import new_id, utcnow
from atende.messages import outbound
from atende.messages.exceptions import InvalidMessageCursor
from atende.messages.models import Direction, Message
from atende.messages.repository import to_message_read
from atende.messages.schemas import MessageRead, ReplyRef
from atende.numbers.models import Number
from atende.numbers.service import access_token_for
from atende.users.models import User
from atende.whatsapp import schemas as graph_schemas
from atende.whatsapp.client import GraphClient, base_url_for, token_or_simulator
from atende.whatsapp.exceptions import WhatsAppError

logger = logging.getLogger(__name__)


async def send_text(
    session: AsyncSession,
    *,
    user: Principal,
    conversation: Conversation,
    text: str,
    reply_to_id: uuid.UUID | None = None,
) -> MessageRead:
    """Queues a text reply in a conversation the caller may see (checked by the caller's
    dependency, or by `open_conversation`)."""
    number = await session.get(Number, conversation.number_id)
    contact = await session.get(Contact, conversation.contact_id)
    assert number is not None and contact is not None  # foreign keys
    now = utcnow()
    outbound.check_active(number)
    outbound.check_service_window(conversation.last_inbound_at, now)
    target = await outbound.reply_target(
        session, conversation=conversation, reply_to_id=reply_to_id
    )
    message_id = new_id()
    message = Message(
        id=message_id,
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
    )
    return await outbound.queue_outbound(
        session, user=user, conversation=conversation, message=message, now=now, reply_to=target
    )


async def send_to_contact(
    session: AsyncSession,
    *,
    user: Principal,
    contact_id: uuid.UUID,
    number_id: uuid.UUID,
    text: str,
    reply_to_id: uuid.UUID | None = None,
) -> MessageRead:
    async def send() -> MessageRead:
        conversation = await outbound.open_pair_conversation(
            session, user=user, contact_id=contact_id, number_id=number_id
        )
        return await send_text(
            session, user=user, conversation=conversation, text=text, reply_to_id=reply_to_id
        )

    return await outbound.retry_on_conflict(session, send)


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
    read = await conversations_service.queue_updated(session, conversation=conversation)
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
