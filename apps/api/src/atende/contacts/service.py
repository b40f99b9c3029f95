"""Contacts: the customers, searchable and editable by every logged-in user."""

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atende.contacts.exceptions import ContactExists, ContactNotFound
from atende.contacts.models import Contact, search_matches
from atende.contacts.schemas import ContactCreate, ContactRead, ContactUpdate
from atende.core.db import commit, rollback
from atende.core.pagination import PageParams, paginate
from atende.core.schemas import Page


async def get(session: AsyncSession, contact_id: uuid.UUID) -> Contact | None:
    return await session.get(Contact, contact_id)


async def get_or_raise(session: AsyncSession, contact_id: uuid.UUID) -> Contact:
    contact = await get(session, contact_id)
    if contact is None:
        raise ContactNotFound("Contact not found")
    return contact


async def read(session: AsyncSession, *, contact_id: uuid.UUID) -> ContactRead:
    return ContactRead.model_validate(await get_or_raise(session, contact_id))


async def list_contacts(
    session: AsyncSession, *, page: PageParams, q: str | None = None
) -> Page[ContactRead]:
    stmt = select(Contact)
    if q and q.strip():
        stmt = stmt.where(search_matches(q))
    contacts, next_cursor = await paginate(
        session, stmt, keys=(Contact.created_at, Contact.id), page=page, descending=True
    )
    return Page(items=[ContactRead.model_validate(c) for c in contacts], next_cursor=next_cursor)


def _exists(contact_id: uuid.UUID) -> ContactExists:
    return ContactExists(f"A contact with this phone number already exists (id {contact_id})")


async def create(session: AsyncSession, *, data: ContactCreate) -> ContactRead:
    existing = await session.scalar(select(Contact.id).where(Contact.wa_id == data.phone))
    if existing is not None:
        raise _exists(existing)
    contact = Contact(wa_id=data.phone, name=data.name)
    session.add(contact)
    try:
        await commit(session)
    except IntegrityError as e:
        # The same customer wrote in (webhook) or was added by someone else meanwhile.
        await rollback(session)
        winner = await session.scalar(select(Contact.id).where(Contact.wa_id == data.phone))
        if winner is None:
            raise
        raise _exists(winner) from e
    return ContactRead.model_validate(contact)


async def update(
    session: AsyncSession, *, contact_id: uuid.UUID, data: ContactUpdate
) -> ContactRead:
    contact = await get_or_raise(session, contact_id)
    if "name" in data.model_fields_set:
        contact.name = data.name
    await commit(session)
    return ContactRead.model_validate(contact)
