"""The assignment audit trail: written by the conversations use cases, never changed."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from atende.conversations.schemas import TeamRef
from atende.messages.schemas import UserRef
from atende.teams.models import Team
from atende.transfers.models import Transfer, TransferKind
from atende.transfers.schemas import TransferRead
from atende.users.models import User

FromUser = aliased(User, name="from_user")
ToUser = aliased(User, name="to_user")
ByUser = aliased(User, name="by_user")
FromTeam = aliased(Team, name="from_team")
ToTeam = aliased(Team, name="to_team")


async def record(
    session: AsyncSession,
    *,
    conversation_id: uuid.UUID,
    kind: TransferKind,
    from_user_id: uuid.UUID | None,
    from_team_id: uuid.UUID | None,
    to_user_id: uuid.UUID | None,
    to_team_id: uuid.UUID | None,
    by_user_id: uuid.UUID,
    reason: str | None = None,
) -> Transfer:
    """Adds one audit row to the caller's transaction (flushes, never commits)."""
    transfer = Transfer(
        conversation_id=conversation_id,
        kind=kind,
        from_user_id=from_user_id,
        from_team_id=from_team_id,
        to_user_id=to_user_id,
        to_team_id=to_team_id,
        by_user_id=by_user_id,
        reason=reason,
    )
    session.add(transfer)
    await session.flush()
    return transfer


def _read_query() -> Select[Transfer, User, Team, User, Team, User]:
    return (
        select(Transfer, FromUser, FromTeam, ToUser, ToTeam, ByUser)
        .outerjoin(FromUser, FromUser.id == Transfer.from_user_id)
        .outerjoin(FromTeam, FromTeam.id == Transfer.from_team_id)
        .outerjoin(ToUser, ToUser.id == Transfer.to_user_id)
        .outerjoin(ToTeam, ToTeam.id == Transfer.to_team_id)
        .outerjoin(ByUser, ByUser.id == Transfer.by_user_id)
    )


def _user(user: User | None) -> UserRef | None:
    return UserRef(id=user.id, name=user.name) if user else None


def _team(team: Team | None) -> TeamRef | None:
    return TeamRef(id=team.id, name=team.name) if team else None


def _to_read(row: Sequence[Any]) -> TransferRead:
    transfer, from_user, from_team, to_user, to_team, by_user = row
    return TransferRead(
        id=transfer.id,
        conversation_id=transfer.conversation_id,
        kind=transfer.kind,
        from_user=_user(from_user),
        from_team=_team(from_team),
        to_user=_user(to_user),
        to_team=_team(to_team),
        by_user=_user(by_user),
        reason=transfer.reason,
        created_at=transfer.created_at,
    )


async def get_read(session: AsyncSession, transfer_id: uuid.UUID) -> TransferRead:
    row = (await session.execute(_read_query().where(Transfer.id == transfer_id))).one()
    return _to_read(row)


async def list_for_conversation(
    session: AsyncSession, *, conversation_id: uuid.UUID
) -> list[TransferRead]:
    """The whole trail, oldest first (ids are time-ordered, so they break created_at ties)."""
    stmt = (
        _read_query()
        .where(Transfer.conversation_id == conversation_id)
        .order_by(Transfer.created_at, Transfer.id)
    )
    return [_to_read(row) for row in (await session.execute(stmt)).all()]
