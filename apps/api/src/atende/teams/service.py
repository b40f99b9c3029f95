"""Teams: administration, and the membership helpers the users service shares."""

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atende.core.db import commit, rollback
from atende.core.pagination import PageParams, paginate
from atende.core.schemas import Page
from atende.teams.exceptions import (
    TeamInUse,
    TeamNameTaken,
    TeamNotFound,
    UnknownTeam,
    UnknownUser,
)
from atende.teams.models import Team, TeamMember
from atende.teams.schemas import MemberRef, TeamCreate, TeamRead, TeamRef, TeamUpdate
from atende.transfers.models import Transfer
from atende.users.models import User


def _unique(ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    return list(dict.fromkeys(ids))


async def get(session: AsyncSession, team_id: uuid.UUID) -> Team | None:
    return await session.get(Team, team_id)


async def get_or_raise(session: AsyncSession, team_id: uuid.UUID) -> Team:
    team = await get(session, team_id)
    if team is None:
        raise TeamNotFound("Team not found")
    return team


async def require_teams(session: AsyncSession, team_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """The distinct ids, or `UnknownTeam` (422) naming the ones that do not exist."""
    wanted = _unique(team_ids)
    if not wanted:
        return wanted
    found = set((await session.scalars(select(Team.id).where(Team.id.in_(wanted)))).all())
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise UnknownTeam(f"Unknown team ids: {', '.join(missing)}")
    return wanted


async def require_users(session: AsyncSession, user_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """The distinct ids, or `UnknownUser` (422) naming the ones that do not exist."""
    wanted = _unique(user_ids)
    if not wanted:
        return wanted
    found = set((await session.scalars(select(User.id).where(User.id.in_(wanted)))).all())
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise UnknownUser(f"Unknown user ids: {', '.join(missing)}")
    return wanted


async def set_user_teams(
    session: AsyncSession, *, user_id: uuid.UUID, team_ids: Sequence[uuid.UUID]
) -> None:
    """Replace the teams of one user (ids already checked); flushes, never commits."""
    await session.execute(delete(TeamMember).where(TeamMember.user_id == user_id))
    session.add_all(TeamMember(team_id=t, user_id=user_id) for t in team_ids)
    await session.flush()


async def set_team_members(
    session: AsyncSession, *, team_id: uuid.UUID, user_ids: Sequence[uuid.UUID]
) -> None:
    """Replace the members of one team (ids already checked); flushes, never commits."""
    await session.execute(delete(TeamMember).where(TeamMember.team_id == team_id))
    session.add_all(TeamMember(team_id=team_id, user_id=u) for u in user_ids)
    await session.flush()


async def teams_by_user(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[TeamRef]]:
    result: dict[uuid.UUID, list[TeamRef]] = {u: [] for u in user_ids}
    if not user_ids:
        return result
    rows = await session.execute(
        select(TeamMember.user_id, Team)
        .join(Team, Team.id == TeamMember.team_id)
        .where(TeamMember.user_id.in_(user_ids))
        .order_by(func.lower(Team.name), Team.id)
    )
    for user_id, team in rows:
        result[user_id].append(TeamRef.model_validate(team))
    return result


async def members_by_team(
    session: AsyncSession, team_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[MemberRef]]:
    result: dict[uuid.UUID, list[MemberRef]] = {t: [] for t in team_ids}
    if not team_ids:
        return result
    rows = await session.execute(
        select(TeamMember.team_id, User)
        .join(User, User.id == TeamMember.user_id)
        .where(TeamMember.team_id.in_(team_ids))
        .order_by(func.lower(User.name), User.id)
    )
    for team_id, user in rows:
        result[team_id].append(MemberRef.model_validate(user))
    return result


async def _reads(session: AsyncSession, teams: Sequence[Team]) -> list[TeamRead]:
    members = await members_by_team(session, [t.id for t in teams])
    return [
        TeamRead(id=t.id, name=t.name, members=members[t.id], created_at=t.created_at)
        for t in teams
    ]


async def read(session: AsyncSession, *, team_id: uuid.UUID) -> TeamRead:
    team = await get_or_raise(session, team_id)
    return (await _reads(session, [team]))[0]


async def list_teams(session: AsyncSession, *, q: str | None, page: PageParams) -> Page[TeamRead]:
    stmt = select(Team)
    if q and q.strip():
        stmt = stmt.where(func.lower(Team.name).contains(q.strip().lower(), autoescape=True))
    teams, next_cursor = await paginate(
        session, stmt, keys=(func.lower(Team.name), Team.id), page=page
    )
    return Page(items=await _reads(session, teams), next_cursor=next_cursor)


async def _check_name_free(
    session: AsyncSession, name: str, *, except_id: uuid.UUID | None = None
) -> None:
    # Case-insensitive, so "Vendas" and "vendas" cannot both exist.
    stmt = select(Team.id).where(func.lower(Team.name) == name.lower())
    if except_id is not None:
        stmt = stmt.where(Team.id != except_id)
    if await session.scalar(stmt.limit(1)) is not None:
        raise TeamNameTaken(f'A team named "{name}" already exists')


async def _commit_or_name_taken(session: AsyncSession, name: str) -> None:
    try:
        await commit(session)
    except IntegrityError as e:
        # Lost a race with a concurrent create/rename of the same name.
        await rollback(session)
        raise TeamNameTaken(f'A team named "{name}" already exists') from e


async def create(session: AsyncSession, *, data: TeamCreate) -> TeamRead:
    await _check_name_free(session, data.name)
    user_ids = await require_users(session, data.user_ids)
    team = Team(name=data.name)
    session.add(team)
    await session.flush()
    await set_team_members(session, team_id=team.id, user_ids=user_ids)
    await _commit_or_name_taken(session, data.name)
    return await read(session, team_id=team.id)


async def update(session: AsyncSession, *, team_id: uuid.UUID, data: TeamUpdate) -> TeamRead:
    team = await get_or_raise(session, team_id)
    if data.name is not None and data.name != team.name:
        await _check_name_free(session, data.name, except_id=team.id)
        team.name = data.name
        await _commit_or_name_taken(session, data.name)
    return await read(session, team_id=team_id)


async def replace_members(
    session: AsyncSession, *, team_id: uuid.UUID, user_ids: Sequence[uuid.UUID]
) -> TeamRead:
    await get_or_raise(session, team_id)
    wanted = await require_users(session, user_ids)
    await set_team_members(session, team_id=team_id, user_ids=wanted)
    await commit(session)
    return await read(session, team_id=team_id)


async def delete_team(session: AsyncSession, *, team_id: uuid.UUID) -> None:
    """Remove a team; its conversations and numbers keep existing with no team (FK SET NULL).

    The transfer audit trail is never rewritten, so a team it names cannot be deleted.
    """
    await get_or_raise(session, team_id)
    in_history = await session.scalar(
        select(Transfer.id)
        .where(or_(Transfer.from_team_id == team_id, Transfer.to_team_id == team_id))
        .limit(1)
    )
    if in_history is not None:
        raise TeamInUse("This team appears in the transfer history and cannot be deleted")
    await session.execute(delete(Team).where(Team.id == team_id))
    await commit(session)
