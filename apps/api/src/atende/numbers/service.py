"""Numbers: administration and the credentials used to call the Graph API for a number."""

import uuid
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atende.core.db import commit, rollback
from atende.core.pagination import PageParams, paginate
from atende.core.schemas import Page
from atende.core.security import SecretBox
from atende.numbers.exceptions import NumberNotFound, PhoneNumberIdTaken
from atende.numbers.models import Number
from atende.numbers.schemas import NumberCreate, NumberRead, NumberUpdate
from atende.teams import service as teams_service
from atende.teams.models import Team
from atende.teams.schemas import TeamRef


def access_token_for(number: Number, *, secret: str, default: str) -> str:
    """The number's own token (decrypted) or the global WHATSAPP_TOKEN."""
    if number.access_token_encrypted:
        token = SecretBox(secret).decrypt(number.access_token_encrypted)
        if token:
            return token
    return default


async def get(session: AsyncSession, number_id: uuid.UUID) -> Number | None:
    return await session.get(Number, number_id)


async def get_or_raise(session: AsyncSession, number_id: uuid.UUID) -> Number:
    number = await get(session, number_id)
    if number is None:
        raise NumberNotFound("Number not found")
    return number


async def _reads(session: AsyncSession, numbers: Sequence[Number]) -> list[NumberRead]:
    team_ids = {n.default_team_id for n in numbers if n.default_team_id is not None}
    teams: dict[uuid.UUID, TeamRef] = {}
    if team_ids:
        rows = await session.scalars(select(Team).where(Team.id.in_(team_ids)))
        teams = {t.id: TeamRef.model_validate(t) for t in rows}
    return [
        NumberRead(
            id=n.id,
            phone_number_id=n.phone_number_id,
            display_phone_number=n.display_phone_number,
            label=n.label,
            waba_id=n.waba_id,
            default_team=teams.get(n.default_team_id) if n.default_team_id else None,
            simulated=n.is_simulated,
            is_active=n.is_active,
            has_access_token=n.access_token_encrypted is not None,
            send_rate_per_second=n.send_rate_per_second,
            created_at=n.created_at,
        )
        for n in numbers
    ]


async def read(session: AsyncSession, *, number_id: uuid.UUID) -> NumberRead:
    number = await get_or_raise(session, number_id)
    return (await _reads(session, [number]))[0]


async def list_numbers(
    session: AsyncSession, *, page: PageParams, q: str | None = None, is_active: bool | None = None
) -> Page[NumberRead]:
    stmt = select(Number)
    if q and q.strip():
        needle = q.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(Number.label).contains(needle, autoescape=True),
                Number.display_phone_number.contains(needle, autoescape=True),
                Number.phone_number_id.contains(needle, autoescape=True),
            )
        )
    if is_active is not None:
        stmt = stmt.where(Number.is_active.is_(is_active))
    numbers, next_cursor = await paginate(
        session, stmt, keys=(func.lower(Number.label), Number.id), page=page
    )
    return Page(items=await _reads(session, numbers), next_cursor=next_cursor)


async def _check_team(session: AsyncSession, team_id: uuid.UUID | None) -> None:
    if team_id is not None:
        await teams_service.require_teams(session, [team_id])


def _encrypt(box: SecretBox, token: str | None) -> str | None:
    return box.encrypt(token) if token else None


async def create(session: AsyncSession, *, data: NumberCreate, box: SecretBox) -> NumberRead:
    taken = await session.scalar(
        select(Number.id).where(Number.phone_number_id == data.phone_number_id)
    )
    if taken is not None:
        raise PhoneNumberIdTaken("A number with this phone_number_id already exists")
    await _check_team(session, data.default_team_id)
    number = Number(
        phone_number_id=data.phone_number_id,
        display_phone_number=data.display_phone_number,
        label=data.label,
        waba_id=data.waba_id,
        access_token_encrypted=_encrypt(
            box, data.access_token.get_secret_value() if data.access_token else None
        ),
        default_team_id=data.default_team_id,
        is_simulated=data.simulated,
        send_rate_per_second=data.send_rate_per_second,
    )
    session.add(number)
    try:
        await commit(session)
    except IntegrityError as e:
        await rollback(session)
        raise PhoneNumberIdTaken("A number with this phone_number_id already exists") from e
    return await read(session, number_id=number.id)


async def update(
    session: AsyncSession, *, number_id: uuid.UUID, data: NumberUpdate, box: SecretBox
) -> NumberRead:
    number = await get_or_raise(session, number_id)
    sent = data.model_fields_set
    if data.display_phone_number is not None:
        number.display_phone_number = data.display_phone_number
    if data.label is not None:
        number.label = data.label
    if "waba_id" in sent:
        number.waba_id = data.waba_id
    if "access_token" in sent:
        number.access_token_encrypted = _encrypt(
            box, data.access_token.get_secret_value() if data.access_token else None
        )
    if "default_team_id" in sent:
        await _check_team(session, data.default_team_id)
        number.default_team_id = data.default_team_id
    if data.simulated is not None:
        number.is_simulated = data.simulated
    if data.is_active is not None:
        number.is_active = data.is_active
    if "send_rate_per_second" in sent:
        number.send_rate_per_second = data.send_rate_per_second
    await commit(session)
    return await read(session, number_id=number.id)


async def deactivate(session: AsyncSession, *, number_id: uuid.UUID) -> None:
    """Deactivate, never delete: its conversations and messages stay readable."""
    number = await get_or_raise(session, number_id)
    number.is_active = False
    await commit(session)
