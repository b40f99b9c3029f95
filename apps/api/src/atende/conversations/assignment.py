"""Assign, take, unassign and transfer: every change is a conditional UPDATE plus an audit row.

The UPDATE only matches if the assignee and team are still what the caller read, so of two
concurrent takes exactly one changes the row; the other sees rowcount 0 and gets a 409.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from atende.conversations import repository
from atende.conversations.exceptions import (
    AssigneeInactive,
    AssigneeNotFound,
    AssigneeNotInTeam,
    AssignmentForbidden,
    AssignmentTargetRequired,
    ConversationAlreadyAssigned,
    ConversationChanged,
    TeamNotFound,
    TransferForbidden,
    TransferTargetRequired,
    TransferUnchanged,
)
from atende.conversations.models import Conversation
from atende.conversations.schemas import AssignRequest, ConversationRead
from atende.core.db import commit, queue_event, rollback
from atende.core.deps import Principal
from atende.core.types import utcnow
from atende.realtime.events import (
    CONVERSATION_ASSIGNED,
    CONVERSATION_TRANSFERRED,
    moved_conversation_event,
)
from atende.teams.models import Team, TeamMember
from atende.transfers import service as transfers_service
from atende.transfers.models import TransferKind
from atende.transfers.schemas import TransferCreate
from atende.users.models import Role, User


@dataclass(frozen=True)
class Placement:
    """Who holds a conversation: its assignee and its team."""

    assignee_id: uuid.UUID | None
    team_id: uuid.UUID | None


def _is(
    column: InstrumentedAttribute[uuid.UUID | None], value: uuid.UUID | None
) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


async def _check_target(session: AsyncSession, *, target: Placement, team_changed: bool) -> None:
    """A target team must exist; a target user must exist, be active and, if an agent, belong
    to the resulting team (staff see every conversation, so they need no membership)."""
    if (
        target.team_id is not None
        and team_changed
        and await session.get(Team, target.team_id) is None
    ):
        raise TeamNotFound("The team does not exist")
    if target.assignee_id is None:
        return
    user = await session.get(User, target.assignee_id)
    if user is None:
        raise AssigneeNotFound("The user does not exist")
    if not user.is_active:
        raise AssigneeInactive("The user is deactivated and cannot receive conversations")
    if target.team_id is None or user.role != Role.AGENT:
        return
    member = await session.scalar(
        select(TeamMember.user_id).where(
            TeamMember.user_id == user.id, TeamMember.team_id == target.team_id
        )
    )
    if member is None:
        raise AssigneeNotInTeam("The user is not a member of the conversation's team")


async def _move(
    session: AsyncSession,
    *,
    conversation: Conversation,
    actor: Principal,
    target: Placement,
    kind: TransferKind,
    reason: str | None = None,
) -> ConversationRead:
    before = Placement(assignee_id=conversation.assignee_id, team_id=conversation.team_id)
    await _check_target(session, target=target, team_changed=target.team_id != before.team_id)
    result = await session.execute(
        update(Conversation)
        .where(
            Conversation.id == conversation.id,
            _is(Conversation.assignee_id, before.assignee_id),
            _is(Conversation.team_id, before.team_id),
        )
        .values(assignee_id=target.assignee_id, team_id=target.team_id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await rollback(session)
        if kind == TransferKind.TAKE:
            raise ConversationAlreadyAssigned("Someone else took this conversation first")
        raise ConversationChanged("The conversation changed meanwhile; reload and try again")
    transfer = await transfers_service.record(
        session,
        conversation_id=conversation.id,
        kind=kind,
        from_user_id=before.assignee_id,
        from_team_id=before.team_id,
        to_user_id=target.assignee_id,
        to_team_id=target.team_id,
        by_user_id=actor.id,
        reason=reason,
    )
    read = await repository.load_read(session, conversation.id)
    assert read is not None
    transfer_read = await transfers_service.get_read(session, transfer.id)
    name = CONVERSATION_TRANSFERRED if kind == TransferKind.TRANSFER else CONVERSATION_ASSIGNED
    queue_event(
        session,
        moved_conversation_event(
            name,
            {
                "conversation": read.model_dump(mode="json"),
                "transfer": transfer_read.model_dump(mode="json"),
            },
            team_id=target.team_id,
            assignee_id=target.assignee_id,
            previous_team_id=before.team_id,
            previous_assignee_id=before.assignee_id,
        ),
    )
    await commit(session)
    return read


def _assign_kind(
    actor: Principal, *, current: uuid.UUID | None, new: uuid.UUID | None
) -> TransferKind:
    if new is None and current is not None:
        return TransferKind.UNASSIGN
    if new == actor.id and current != actor.id:
        return TransferKind.TAKE
    return TransferKind.ASSIGN


def _check_agent_assign(
    actor: Principal, *, conversation: Conversation, target: Placement, kind: TransferKind
) -> None:
    """Agents may take what is unassigned and give back what is theirs; nothing else."""
    if target.team_id != conversation.team_id:
        raise AssignmentForbidden("Only supervisors can move a conversation to another team")
    if kind == TransferKind.TAKE:
        if conversation.assignee_id is not None:
            raise ConversationAlreadyAssigned("This conversation is already assigned")
        return
    if kind == TransferKind.UNASSIGN and conversation.assignee_id == actor.id:
        return
    raise AssignmentForbidden("Only supervisors can assign conversations to others")


async def assign(
    session: AsyncSession, *, conversation: Conversation, actor: Principal, body: AssignRequest
) -> ConversationRead:
    """Assign, take or unassign; asking for what already holds is a no-op (a repeated click)."""
    given = body.model_fields_set & {"assignee_id", "team_id"}
    if not given:
        raise AssignmentTargetRequired("Give assignee_id and/or team_id")
    target = Placement(
        assignee_id=body.assignee_id if "assignee_id" in given else conversation.assignee_id,
        team_id=body.team_id if "team_id" in given else conversation.team_id,
    )
    if target == Placement(assignee_id=conversation.assignee_id, team_id=conversation.team_id):
        read = await repository.load_read(session, conversation.id)
        assert read is not None
        return read
    kind = _assign_kind(actor, current=conversation.assignee_id, new=target.assignee_id)
    if not actor.sees_everything:
        _check_agent_assign(actor, conversation=conversation, target=target, kind=kind)
    return await _move(session, conversation=conversation, actor=actor, target=target, kind=kind)


async def transfer(
    session: AsyncSession, *, conversation: Conversation, actor: Principal, body: TransferCreate
) -> ConversationRead:
    """Hand a conversation to a user, a team (its queue: unassigned) or a user in a team."""
    if body.to_user_id is None and body.to_team_id is None:
        raise TransferTargetRequired("Give to_user_id and/or to_team_id")
    if not actor.sees_everything and conversation.assignee_id != actor.id:
        raise TransferForbidden("Agents can only transfer conversations assigned to them")
    target = Placement(
        assignee_id=body.to_user_id,
        team_id=body.to_team_id if body.to_team_id is not None else conversation.team_id,
    )
    if target == Placement(assignee_id=conversation.assignee_id, team_id=conversation.team_id):
        raise TransferUnchanged("The conversation is already there")
    reason = (body.reason or "").strip() or None
    return await _move(
        session,
        conversation=conversation,
        actor=actor,
        target=target,
        kind=TransferKind.TRANSFER,
        reason=reason,
    )
