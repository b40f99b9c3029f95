"""Inbox listing, counts, contact history, resolve and reopen."""

import uuid

from sqlalchemy import ColumnElement, false, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atende.contacts.models import Contact
from atende.conversations import repository
from atende.conversations.constants import ConversationView
from atende.conversations.exceptions import (
    ContactNotFound,
    ConversationAlreadyOpen,
    ConversationAlreadyResolved,
    OpenConversationExists,
    StatusChangeForbidden,
    ViewForbidden,
)
from atende.conversations.models import Conversation, ConversationStatus
from atende.conversations.policy import visible_filter
from atende.conversations.schemas import ConversationCounts, ConversationFilters, ConversationRead
from atende.core.db import commit, queue_event, rollback
from atende.core.deps import Principal
from atende.core.pagination import PageParams
from atende.core.schemas import Page
from atende.core.types import utcnow
from atende.realtime.events import CONVERSATION_UPDATED, conversation_event


def _team_clause(user: Principal) -> ColumnElement[bool]:
    return Conversation.team_id.in_(user.team_ids) if user.team_ids else false()


def view_clauses(user: Principal, view: ConversationView) -> list[ColumnElement[bool]]:
    """The rows of one inbox tab. Each is written so it is served by one composite index
    (assignee/team/status + last_message_at, id) in the inbox order."""
    if view == ConversationView.MINE:
        return [Conversation.assignee_id == user.id]
    if view == ConversationView.TEAM:
        return [_team_clause(user)]
    if view == ConversationView.UNASSIGNED:
        clauses = [
            Conversation.status == ConversationStatus.OPEN,
            Conversation.assignee_id.is_(None),
        ]
        if not user.sees_everything:
            # visible_filter without its "assigned to me" branch, which cannot hold here.
            clauses.append(or_(Conversation.team_id.is_(None), _team_clause(user)))
        return clauses
    if not user.sees_everything:
        raise ViewForbidden("Only supervisors and admins can list every conversation")
    return []


async def list_conversations(
    session: AsyncSession,
    *,
    user: Principal,
    view: ConversationView,
    filters: ConversationFilters,
    page: PageParams,
) -> Page[ConversationRead]:
    where = view_clauses(user, view) + repository.filter_clauses(filters)
    return await repository.read_page(
        session, where=where, page=page, join_contact=filters.q is not None
    )


async def count_conversations(
    session: AsyncSession, *, user: Principal, number_id: uuid.UUID | None = None
) -> ConversationCounts:
    """Open conversations per tab, in one statement of independent index-only counts."""
    base: list[ColumnElement[bool]] = [Conversation.status == ConversationStatus.OPEN]
    if number_id is not None:
        base.append(Conversation.number_id == number_id)
    columns = [
        repository.count_query(*base, *view_clauses(user, ConversationView.MINE)),
        repository.count_query(*base, *view_clauses(user, ConversationView.TEAM)),
        repository.count_query(*base, *view_clauses(user, ConversationView.UNASSIGNED)),
    ]
    if user.sees_everything:
        columns.append(repository.count_query(*base))
    row = (await session.execute(select(*columns))).one()
    return ConversationCounts(
        mine=row[0], team=row[1], unassigned=row[2], all=row[3] if len(row) > 3 else None
    )


async def get_read(session: AsyncSession, *, conversation: Conversation) -> ConversationRead:
    read = await repository.load_read(session, conversation.id)
    assert read is not None
    return read


async def list_contact_history(
    session: AsyncSession, *, user: Principal, contact_id: uuid.UUID, page: PageParams
) -> Page[ConversationRead]:
    """Every conversation of a contact the caller may see, newest first."""
    if await session.get(Contact, contact_id) is None:
        raise ContactNotFound("Contact not found")
    return await repository.read_page(
        session,
        where=[Conversation.contact_id == contact_id, visible_filter(user)],
        page=page,
        keys=repository.CREATED_KEYS,
    )


async def queue_updated(session: AsyncSession, *, conversation: Conversation) -> ConversationRead:
    """Queues conversation:updated with the conversation as it now reads; the caller commits."""
    read = await repository.load_read(session, conversation.id)
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
    return read


def _check_may_change_status(user: Principal, conversation: Conversation) -> None:
    # Agents close or reopen their own and unassigned ones, not a colleague's.
    if user.sees_everything or conversation.assignee_id in (None, user.id):
        return
    raise StatusChangeForbidden("This conversation is assigned to someone else")


async def _set_status(
    session: AsyncSession,
    *,
    conversation: Conversation,
    status: ConversationStatus,
) -> ConversationRead:
    now = utcnow()
    opening = status == ConversationStatus.OPEN
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation.id, Conversation.status != status)
        .values(status=status, resolved_at=None if opening else now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await rollback(session)
        if opening:
            raise ConversationAlreadyOpen("The conversation is already open")
        raise ConversationAlreadyResolved("The conversation is already resolved")
    read = await queue_updated(session, conversation=conversation)
    await commit(session)
    return read


async def resolve(
    session: AsyncSession, *, conversation: Conversation, user: Principal
) -> ConversationRead:
    _check_may_change_status(user, conversation)
    return await _set_status(session, conversation=conversation, status=ConversationStatus.RESOLVED)


async def reopen(
    session: AsyncSession, *, conversation: Conversation, user: Principal
) -> ConversationRead:
    """Reopen, unless the customer already has another open conversation on that number."""
    _check_may_change_status(user, conversation)
    other_open = await session.scalar(
        select(Conversation.id).where(
            Conversation.number_id == conversation.number_id,
            Conversation.contact_id == conversation.contact_id,
            Conversation.status == ConversationStatus.OPEN,
            Conversation.id != conversation.id,
        )
    )
    if other_open is not None:
        raise OpenConversationExists(
            "This customer already has an open conversation on this number"
        )
    try:
        return await _set_status(session, conversation=conversation, status=ConversationStatus.OPEN)
    except IntegrityError as e:
        # A conversation was opened between the check and the update (unique open pair).
        await rollback(session)
        raise OpenConversationExists(
            "This customer already has an open conversation on this number"
        ) from e
