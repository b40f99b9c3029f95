import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from atende.contacts import service
from atende.contacts.schemas import ContactCreate, ContactRead, ContactUpdate
from atende.core.db import SessionDep
from atende.core.pagination import PageParamsDep
from atende.core.schemas import Page

router = APIRouter(prefix="/contacts", tags=["contacts"])


@router.get("", response_model=Page[ContactRead], operation_id="contacts-list_contacts")
async def list_contacts(
    session: SessionDep,
    page: PageParamsDep,
    q: Annotated[str | None, Query(max_length=200, description="Search name or phone")] = None,
) -> Page[ContactRead]:
    return await service.list_contacts(session, page=page, q=q)


@router.post(
    "",
    response_model=ContactRead,
    status_code=status.HTTP_201_CREATED,
    operation_id="contacts-create_contact",
)
async def create_contact(body: ContactCreate, session: SessionDep) -> ContactRead:
    return await service.create(session, data=body)


@router.get("/{contact_id}", response_model=ContactRead, operation_id="contacts-get_contact")
async def get_contact(contact_id: uuid.UUID, session: SessionDep) -> ContactRead:
    return await service.read(session, contact_id=contact_id)


@router.patch("/{contact_id}", response_model=ContactRead, operation_id="contacts-update_contact")
async def update_contact(
    contact_id: uuid.UUID, body: ContactUpdate, session: SessionDep
) -> ContactRead:
    return await service.update(session, contact_id=contact_id, data=body)
