"""Sending approved templates: the one kind of message Meta delivers outside the 24-hour
window, and so the way to start a conversation (cloud-api.md §10).

Like text, a send never calls Meta: the template is checked against the stored copy of the
WABA's templates (422 before anything is queued), then stored as `queued` with the exact
Graph body and committed; the outbox posts that body verbatim.

First response: a template an agent sends counts as the conversation's first response,
like text, unless it is automated (`is_automated`, for integrations) or the customer has
not written in this conversation yet: a template that opens a conversation is not a
response, and the agent's answer to the customer's reply is what gets measured.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from atende.contacts.models import Contact
from atende.conversations.exceptions import ContactNotFound
from atende.conversations.models import Conversation
from atende.core.deps import Principal
from atende.core.types import new_id, utcnow
from atende.messages import outbound
from atende.messages.models import Message
from atende.messages.schemas import MessageRead
from atende.numbers.exceptions import NumberNotFound
from atende.numbers.models import Number
from atende.templates import service as templates_service
from atende.whatsapp.templates import TemplateObject, template_message_body


async def _queue_template(
    session: AsyncSession,
    *,
    user: Principal,
    conversation: Conversation,
    contact: Contact,
    template: TemplateObject,
    text: str,
    is_automated: bool,
) -> MessageRead:
    now = utcnow()
    message_id = new_id()
    message = Message(
        id=message_id,
        type="template",
        # What the customer reads, for the inbox; the Graph body keeps the template itself.
        text=text,
        payload=template_message_body(
            wa_id=contact.wa_id,
            user_id=contact.user_id,
            template=template,
            callback_data=str(message_id),
        ),
    )
    return await outbound.queue_outbound(
        session,
        user=user,
        conversation=conversation,
        message=message,
        now=now,
        is_automated=is_automated,
        # A template that opens a conversation answers nothing yet (see above).
        counts_as_response=conversation.first_inbound_at is not None,
    )


async def send_template(
    session: AsyncSession,
    *,
    user: Principal,
    conversation: Conversation,
    template: TemplateObject,
    is_automated: bool = False,
) -> MessageRead:
    """Queues a template in a conversation the caller may see (checked by the caller's
    dependency), whatever the 24-hour window."""
    number = await session.get(Number, conversation.number_id)
    contact = await session.get(Contact, conversation.contact_id)
    assert number is not None and contact is not None  # foreign keys
    outbound.check_active(number)
    text = await templates_service.render_approved(session, number=number, send=template)
    return await _queue_template(
        session,
        user=user,
        conversation=conversation,
        contact=contact,
        template=template,
        text=text,
        is_automated=is_automated,
    )


async def _contact(
    session: AsyncSession, *, contact_id: uuid.UUID | None, phone: str | None
) -> Contact:
    """The contact by id, or by phone (`wa_id` digits), created when no one has it yet."""
    if contact_id is not None:
        contact = await session.get(Contact, contact_id)
        if contact is None:
            raise ContactNotFound("Contact not found")
        return contact
    assert phone is not None  # the request schema asks for one of the two
    found = await session.scalar(select(Contact).where(Contact.wa_id == phone))
    if found is not None:
        return found
    contact = Contact(wa_id=phone)
    session.add(contact)
    await session.flush()
    return contact


async def send_template_to_contact(
    session: AsyncSession,
    *,
    user: Principal,
    number_id: uuid.UUID,
    template: TemplateObject,
    contact_id: uuid.UUID | None = None,
    phone: str | None = None,
    is_automated: bool = False,
) -> MessageRead:
    """Starts (or continues) a conversation with a contact, or with a phone number that
    becomes a contact, by sending a template through `number_id`."""

    async def send() -> MessageRead:
        number = await session.get(Number, number_id)
        if number is None:
            raise NumberNotFound("Number not found")
        outbound.check_active(number)
        # Checked first: a refused template creates no contact and no conversation.
        text = await templates_service.render_approved(session, number=number, send=template)
        contact = await _contact(session, contact_id=contact_id, phone=phone)
        conversation = await outbound.open_conversation(
            session, user=user, number=number, contact=contact, check_window=False
        )
        return await _queue_template(
            session,
            user=user,
            conversation=conversation,
            contact=contact,
            template=template,
            text=text,
            is_automated=is_automated,
        )

    return await outbound.retry_on_conflict(session, send)
