"""First-run data: an administrator, a default team and a simulated number. Idempotent."""

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atende.core.config import Settings
from atende.core.db import Database, commit
from atende.numbers.models import Number
from atende.teams.models import Team
from atende.users import service as users_service
from atende.users.exceptions import WeakPassword
from atende.users.models import Role

DEFAULT_TEAM_NAME = "Atendimento"
SIMULATED_PHONE_NUMBER_ID = "100000000000001"
SIMULATED_DISPLAY_NUMBER = "5511999990000"
SIMULATED_LABEL = "Simulador"


@dataclass(frozen=True)
class SeedResult:
    admin_email: str
    admin_created: bool
    # Set only when the password was generated: the caller shows it once.
    generated_password: str | None
    team_created: bool
    number_created: bool


def generate_password() -> str:
    while True:
        candidate = secrets.token_urlsafe(15)
        try:
            users_service.check_password(candidate)
        except WeakPassword:
            continue
        return candidate


async def seed(
    session: AsyncSession, *, admin_email: str, admin_password: str | None
) -> SeedResult:
    """Create what is missing and change nothing that exists (an admin keeps its password)."""
    email = admin_email.strip().lower()
    generated = None
    admin_created = False
    if await users_service.get_by_email(session, email) is None:
        password = admin_password or None
        if password is None:
            password = generated = generate_password()
        await users_service.add_user(
            session, email=email, name="Administrator", password=password, role=Role.ADMIN
        )
        admin_created = True

    team = await session.scalar(
        select(Team).where(func.lower(Team.name) == DEFAULT_TEAM_NAME.lower())
    )
    team_created = team is None
    if team is None:
        team = Team(name=DEFAULT_TEAM_NAME)
        session.add(team)
        await session.flush()

    number_created = False
    exists = await session.scalar(
        select(Number.id).where(Number.phone_number_id == SIMULATED_PHONE_NUMBER_ID)
    )
    if exists is None:
        session.add(
            Number(
                phone_number_id=SIMULATED_PHONE_NUMBER_ID,
                display_phone_number=SIMULATED_DISPLAY_NUMBER,
                label=SIMULATED_LABEL,
                is_simulated=True,
                default_team_id=team.id,
            )
        )
        number_created = True
    await commit(session)
    return SeedResult(
        admin_email=email,
        admin_created=admin_created,
        generated_password=generated,
        team_created=team_created,
        number_created=number_created,
    )


async def seed_database(settings: Settings) -> SeedResult:
    """`seed` on the configured database, in its own engine (the CLI entry point)."""
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            return await seed(
                session, admin_email=settings.admin_email, admin_password=settings.admin_password
            )
    finally:
        await db.dispose()
