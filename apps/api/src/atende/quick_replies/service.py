"""Quick replies: who sees and edits which, shortcut uniqueness per scope, and rendering."""

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, delete, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atende.contacts.models import Contact
from atende.conversations.exceptions import ConversationNotFound
from atende.conversations.models import Conversation
from atende.conversations.policy import can_see as can_see_conversation
from atende.core.db import commit, rollback
from atende.core.deps import Principal
from atende.core.pagination import PageParams, paginate
from atende.core.schemas import Page
from atende.numbers.models import Number
from atende.quick_replies import rendering
from atende.quick_replies.exceptions import (
    QuickReplyForbidden,
    QuickReplyNotFound,
    QuickReplyShortcutTaken,
)
from atende.quick_replies.models import QuickReply
from atende.quick_replies.schemas import (
    OwnerRef,
    QuickReplyCreate,
    QuickReplyRead,
    QuickReplyUpdate,
    RenderedQuickReply,
    TeamRef,
)
from atende.teams import service as teams_service
from atende.teams.models import Team
from atende.users.models import User

# --- policy --------------------------------------------------------------------------------


def can_see(user: Principal, reply: QuickReply) -> bool:
    """Personal replies are private to their owner (ADMIN included); team replies are seen by
    the team's members and by ADMIN/SUPERVISOR."""
    if reply.team_id is None:
        return reply.owner_id == user.id
    return user.sees_everything or reply.team_id in user.team_ids


def can_edit(user: Principal, reply: QuickReply) -> bool:
    if reply.team_id is None:
        return reply.owner_id == user.id
    if user.sees_everything:
        return True
    # An agent keeps editing what they wrote only while they are still in the team.
    return reply.owner_id == user.id and reply.team_id in user.team_ids


def visible_filter(user: Principal) -> ColumnElement[bool]:
    mine = and_(QuickReply.team_id.is_(None), QuickReply.owner_id == user.id)
    if user.sees_everything:
        return or_(mine, QuickReply.team_id.is_not(None))
    teams = QuickReply.team_id.in_(user.team_ids) if user.team_ids else false()
    return or_(mine, teams)


# --- reads ---------------------------------------------------------------------------------


async def get(
    session: AsyncSession, *, user: Principal, quick_reply_id: uuid.UUID
) -> QuickReply | None:
    """The reply if the caller may see it (someone else's personal reply is never revealed)."""
    reply = await session.get(QuickReply, quick_reply_id)
    return reply if reply is not None and can_see(user, reply) else None


async def get_or_raise(
    session: AsyncSession, *, user: Principal, quick_reply_id: uuid.UUID
) -> QuickReply:
    reply = await get(session, user=user, quick_reply_id=quick_reply_id)
    if reply is None:
        raise QuickReplyNotFound("Quick reply not found")
    return reply


async def _reads(
    session: AsyncSession, *, user: Principal, replies: Sequence[QuickReply]
) -> list[QuickReplyRead]:
    team_ids = {r.team_id for r in replies if r.team_id is not None}
    owner_ids = {r.owner_id for r in replies}
    teams: dict[uuid.UUID, str] = {}
    owners: dict[uuid.UUID, str] = {}
    if team_ids:
        rows = await session.execute(select(Team.id, Team.name).where(Team.id.in_(team_ids)))
        teams = {team_id: name for team_id, name in rows}
    if owner_ids:
        rows = await session.execute(select(User.id, User.name).where(User.id.in_(owner_ids)))
        owners = {owner_id: name for owner_id, name in rows}
    return [
        QuickReplyRead(
            id=r.id,
            shortcut=r.shortcut,
            text=r.text,
            team=TeamRef(id=r.team_id, name=teams[r.team_id]) if r.team_id is not None else None,
            owner=OwnerRef(id=r.owner_id, name=owners[r.owner_id]),
            can_edit=can_edit(user, r),
            created_at=r.created_at,
            updated_at=r.updated_at,
        )
        for r in replies
    ]


async def read(
    session: AsyncSession, *, user: Principal, quick_reply_id: uuid.UUID
) -> QuickReplyRead:
    reply = await get_or_raise(session, user=user, quick_reply_id=quick_reply_id)
    return (await _reads(session, user=user, replies=[reply]))[0]


async def list_quick_replies(
    session: AsyncSession, *, user: Principal, q: str | None, page: PageParams
) -> Page[QuickReplyRead]:
    """The caller's personal replies and their teams' (every team's for ADMIN/SUPERVISOR),
    by shortcut; `q` matches the shortcut or the text, case-insensitively."""
    stmt = select(QuickReply).where(visible_filter(user))
    needle = (q or "").strip().lstrip("/").strip().lower()
    if needle:
        stmt = stmt.where(
            or_(
                QuickReply.shortcut.contains(needle, autoescape=True),
                func.lower(QuickReply.text).contains(needle, autoescape=True),
            )
        )
    replies, next_cursor = await paginate(
        session, stmt, keys=(QuickReply.shortcut, QuickReply.id), page=page
    )
    return Page(items=await _reads(session, user=user, replies=replies), next_cursor=next_cursor)


# --- writes --------------------------------------------------------------------------------


async def _check_shortcut_free(
    session: AsyncSession,
    *,
    shortcut: str,
    team_id: uuid.UUID | None,
    owner_id: uuid.UUID,
    except_id: uuid.UUID | None = None,
) -> None:
    stmt = select(QuickReply.id).where(QuickReply.shortcut == shortcut)
    if team_id is None:
        stmt = stmt.where(QuickReply.team_id.is_(None), QuickReply.owner_id == owner_id)
    else:
        stmt = stmt.where(QuickReply.team_id == team_id)
    if except_id is not None:
        stmt = stmt.where(QuickReply.id != except_id)
    if await session.scalar(stmt.limit(1)) is not None:
        raise QuickReplyShortcutTaken(f'The shortcut "/{shortcut}" is already in use here')


async def _commit_or_shortcut_taken(session: AsyncSession, shortcut: str) -> None:
    try:
        await commit(session)
    except IntegrityError as e:
        # Lost a race with a concurrent write of the same shortcut in the same scope.
        await rollback(session)
        raise QuickReplyShortcutTaken(f'The shortcut "/{shortcut}" is already in use here') from e


async def create(
    session: AsyncSession, *, user: Principal, data: QuickReplyCreate
) -> QuickReplyRead:
    if data.team_id is not None:
        await teams_service.require_teams(session, [data.team_id])
        if not user.sees_everything and data.team_id not in user.team_ids:
            raise QuickReplyForbidden("Only members of a team may add its quick replies")
    await _check_shortcut_free(
        session, shortcut=data.shortcut, team_id=data.team_id, owner_id=user.id
    )
    reply = QuickReply(
        shortcut=data.shortcut, text=data.text, team_id=data.team_id, owner_id=user.id
    )
    session.add(reply)
    await _commit_or_shortcut_taken(session, data.shortcut)
    return await read(session, user=user, quick_reply_id=reply.id)


async def _editable(
    session: AsyncSession, *, user: Principal, quick_reply_id: uuid.UUID
) -> QuickReply:
    reply = await get_or_raise(session, user=user, quick_reply_id=quick_reply_id)
    if not can_edit(user, reply):
        raise QuickReplyForbidden("Only its author or a supervisor may change this quick reply")
    return reply


async def update(
    session: AsyncSession, *, user: Principal, quick_reply_id: uuid.UUID, data: QuickReplyUpdate
) -> QuickReplyRead:
    reply = await _editable(session, user=user, quick_reply_id=quick_reply_id)
    if data.shortcut is not None and data.shortcut != reply.shortcut:
        await _check_shortcut_free(
            session,
            shortcut=data.shortcut,
            team_id=reply.team_id,
            owner_id=reply.owner_id,
            except_id=reply.id,
        )
        reply.shortcut = data.shortcut
    if data.text is not None:
        reply.text = data.text
    await _commit_or_shortcut_taken(session, reply.shortcut)
    return await read(session, user=user, quick_reply_id=reply.id)


async def delete_quick_reply(
    session: AsyncSession, *, user: Principal, quick_reply_id: uuid.UUID
) -> None:
    reply = await _editable(session, user=user, quick_reply_id=quick_reply_id)
    await session.execute(delete(QuickReply).where(QuickReply.id == reply.id))
    await commit(session)


# --- rendering -----------------------------------------------------------------------------


async def render(
    session: AsyncSession,
    *,
    user: Principal,
    quick_reply_id: uuid.UUID,
    conversation_id: uuid.UUID,
) -> RenderedQuickReply:
    """The reply's text with the variables filled for one conversation and the caller."""
    reply = await get_or_raise(session, user=user, quick_reply_id=quick_reply_id)
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None or not can_see_conversation(
        user, team_id=conversation.team_id, assignee_id=conversation.assignee_id
    ):
        raise ConversationNotFound("Conversation not found")
    contact = await session.get(Contact, conversation.contact_id)
    number = await session.get(Number, conversation.number_id)
    values = {
        rendering.CONTACT_NAME: rendering.contact_display_name(contact) if contact else None,
        rendering.AGENT_NAME: user.name,
        rendering.NUMBER_LABEL: number.label if number else None,
    }
    return RenderedQuickReply(text=rendering.render(reply.text, values))
