"""Loading conversations as inbox rows in one query (no N+1)."""

import functools
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased, defer

from atende.contacts.models import Contact, search_matches
from atende.conversations.models import Conversation
from atende.conversations.schemas import (
    ContactRef,
    ConversationFilters,
    ConversationRead,
    NumberRef,
    TeamRef,
)
from atende.core.pagination import PageParams, cursor_values, encode_cursor
from atende.core.schemas import Page
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


_ReadSelect = Select[Conversation, Contact, Number, User, Team, Message, User]


@functools.cache  # statements are immutable; building this one costs more than running it
def read_query() -> _ReadSelect:
    """Conversation with everything its inbox row shows."""
    return _joined(select(Conversation, Contact, Number, Assignee, Team, LastMessage, Sender))


def _joined(stmt: _ReadSelect) -> _ReadSelect:
    return (
        stmt.join(Contact, Contact.id == Conversation.contact_id)
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
    # populate_existing: a use case may have just changed the row with a bulk UPDATE.
    stmt = read_query().where(Conversation.id.in_(ids)).execution_options(populate_existing=True)
    rows = (await session.execute(stmt)).all()
    return {row[0].id: to_read(row) for row in rows}


async def load_read(session: AsyncSession, conversation_id: uuid.UUID) -> ConversationRead | None:
    return (await load_reads(session, [conversation_id])).get(conversation_id)


# Inbox order: newest activity first; the id breaks ties so the order is total and stable.
ACTIVITY_KEYS: tuple[InstrumentedAttribute[Any], ...] = (
    Conversation.last_message_at,
    Conversation.id,
)
# Contact history order: newest conversation first.
CREATED_KEYS: tuple[InstrumentedAttribute[Any], ...] = (Conversation.created_at, Conversation.id)


def filter_clauses(filters: ConversationFilters) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if filters.status is not None:
        clauses.append(Conversation.status == filters.status)
    if filters.number_id is not None:
        clauses.append(Conversation.number_id == filters.number_id)
    if filters.team_id is not None:
        clauses.append(Conversation.team_id == filters.team_id)
    if filters.q:
        clauses.append(search_matches(filters.q))
    return clauses


async def read_page(
    session: AsyncSession,
    *,
    where: Sequence[ColumnElement[bool]],
    page: PageParams,
    keys: Sequence[InstrumentedAttribute[Any]] = ACTIVITY_KEYS,
    join_contact: bool = False,
) -> Page[ConversationRead]:
    """One keyset page of inbox rows, newest first by `keys`, in a single statement.

    The cursor holds the sort key of the last row, so rows inserted or moved meanwhile never
    shift the next page (no OFFSET). The page's ids are found first, on the conversations
    indexes alone; only those rows are then joined to what an inbox row shows.
    """
    ids = select(*keys).where(*where)
    if join_contact:
        ids = ids.join(Contact, Contact.id == Conversation.contact_id)
    if page.cursor is not None:
        values = cursor_values(page.cursor, keys)
        bound = tuple_(*(literal(v, k.type) for k, v in zip(keys, values, strict=True)))
        ids = ids.where(tuple_(*keys) < bound)
    found = ids.order_by(*(k.desc() for k in keys)).limit(page.limit + 1).subquery("page")
    rows_of_page = (
        select(Conversation, Contact, Number, Assignee, Team, LastMessage, Sender)
        .select_from(found)
        .join(Conversation, Conversation.id == found.c.id)
    )
    stmt = (
        _joined(rows_of_page)
        # The raw payload is never shown in a row: not fetching it halves the bytes per page.
        .options(defer(LastMessage.payload))
        .order_by(*(found.c[k.key].desc() for k in keys))
    )
    if session.get_bind().dialect.name == "postgresql":
        # The joins are written in the order to run them (the page, then each row's relations
        # by key); choosing an order among 8 relations would cost PostgreSQL's planner several
        # times the query's own run time.
        await session.execute(text("SET LOCAL join_collapse_limit = 1"))
    rows = (await session.execute(stmt)).all()
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    next_cursor = None
    if has_more:
        last = rows[-1][0]
        next_cursor = encode_cursor([getattr(last, k.key) for k in keys])
    return Page[ConversationRead](items=[to_read(row) for row in rows], next_cursor=next_cursor)


def count_query(*where: ColumnElement[bool]) -> Any:
    return select(func.count()).select_from(Conversation).where(*where).scalar_subquery()
