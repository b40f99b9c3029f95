"""`atende seed`: the service and the command."""

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner, Result

from atende.cli import app as cli
from atende.core.config import get_settings
from atende.core.db import Database, make_engine
from atende.core.models_registry import Base
from atende.core.security import verify_password
from atende.core.seed import seed
from atende.numbers.models import Number
from atende.teams.models import Team
from atende.users.exceptions import WeakPassword
from atende.users.models import Role, User
from atende.users.service import check_password
from tests.factories import Factory

runner = CliRunner()


async def _counts(session: AsyncSession) -> dict[str, int]:
    counts = {}
    for table in Base.metadata.sorted_tables:
        counts[table.name] = await session.scalar(select(func.count()).select_from(table)) or 0
    await session.rollback()
    return counts


async def test_seed_creates_admin_team_and_simulated_number_once(
    session: AsyncSession, db: Database
) -> None:
    first = await seed(session, admin_email="Admin@Atende.local", admin_password=None)

    assert first.admin_created and first.team_created and first.number_created
    assert first.admin_email == "admin@atende.local"
    assert first.generated_password is not None
    check_password(first.generated_password)
    admin = await session.scalar(select(User))
    assert admin is not None
    assert (admin.email, admin.role, admin.is_active) == ("admin@atende.local", Role.ADMIN, True)
    assert verify_password(first.generated_password, admin.password_hash)
    team = await session.scalar(select(Team))
    assert team is not None and team.name == "Atendimento"
    number = await session.scalar(select(Number))
    assert number is not None
    assert (
        number.phone_number_id,
        number.display_phone_number,
        number.label,
        number.is_simulated,
        number.is_active,
        number.default_team_id,
    ) == ("100000000000001", "5511999990000", "Simulador", True, True, team.id)
    hash_before = admin.password_hash
    counts = await _counts(session)

    async with db.session() as other:
        second = await seed(other, admin_email="admin@atende.local", admin_password="Outra-senh4!")

    assert not (second.admin_created or second.team_created or second.number_created)
    assert second.generated_password is None
    assert await _counts(session) == counts
    await session.refresh(admin)
    assert admin.password_hash == hash_before


async def test_seed_uses_admin_password_and_keeps_an_existing_admin(
    client: httpx.AsyncClient, session: AsyncSession, factory: Factory
) -> None:
    await factory.team(name="atendimento")
    await factory.commit()

    result = await seed(session, admin_email="boss@example.com", admin_password="Sup3r-secret!")

    assert result.admin_created and result.generated_password is None
    assert not result.team_created
    login = await client.post(
        "/api/auth/login", json={"email": "boss@example.com", "password": "Sup3r-secret!"}
    )
    assert login.status_code == 200
    assert login.json()["user"]["role"] == "ADMIN"
    assert await session.scalar(select(func.count()).select_from(Team)) == 1


async def test_seed_refuses_a_weak_admin_password(session: AsyncSession) -> None:
    with pytest.raises(WeakPassword):
        await seed(session, admin_email="boss@example.com", admin_password="123")
    await session.rollback()
    assert await session.scalar(select(func.count()).select_from(User)) == 0


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ADMIN_EMAIL", "admin@atende.local")
    monkeypatch.setenv("ADMIN_PASSWORD", "")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


async def _invoke(*args: str) -> Result:
    # The command runs its own event loop (asyncio.run), so not on the test's loop.
    return await asyncio.to_thread(lambda: runner.invoke(cli, list(args)))


def _seed_output(output: str) -> tuple[str, str | None]:
    email = re.search(r"admin created: (\S+)", output)
    password = re.search(r"password: (\S+)", output)
    assert email is not None, output
    return email.group(1), password.group(1) if password else None


async def _sqlite_rows(path: Path) -> tuple[dict[str, int], str]:
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect() as conn:
            counts = {}
            for table in Base.metadata.sorted_tables:
                count = await conn.scalar(text(f"SELECT count(*) FROM {table.name}"))
                counts[table.name] = int(count or 0)
            password_hash = await conn.scalar(text("SELECT password_hash FROM users"))
            return counts, str(password_hash)
    finally:
        await engine.dispose()


async def test_seed_command_migrates_a_fresh_sqlite_file_and_is_idempotent(
    cli_env: Path,
) -> None:
    first = await _invoke("seed")

    assert first.exit_code == 0, first.output
    email, password = _seed_output(first.output)
    assert email == "admin@atende.local"
    assert password is not None
    assert "team Atendimento: created" in first.output
    assert "simulated number Simulador: created" in first.output
    counts, password_hash = await _sqlite_rows(cli_env / "cli.db")
    assert (counts["users"], counts["teams"], counts["numbers"]) == (1, 1, 1)
    assert verify_password(password, password_hash)

    second = await _invoke("seed")

    assert second.exit_code == 0, second.output
    assert "admin admin@atende.local already exists" in second.output
    assert "password:" not in second.output
    assert await _sqlite_rows(cli_env / "cli.db") == (counts, password_hash)


async def test_seed_command_on_the_test_databases(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch, cli_env: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ADMIN_PASSWORD", "Fr0m-the-env!")
    get_settings.cache_clear()

    result = await _invoke("seed")

    assert result.exit_code == 0, result.output
    assert _seed_output(result.output) == ("admin@atende.local", None)
    assert "Fr0m-the-env!" not in result.output
    async with db.session() as session:
        admin = await session.scalar(select(User))
        assert admin is not None and verify_password("Fr0m-the-env!", admin.password_hash)


async def test_seed_command_reports_a_weak_admin_password(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", "short")
    get_settings.cache_clear()
    result = await _invoke("seed")
    assert result.exit_code == 2
    assert "ADMIN_PASSWORD" in result.stderr
    counts, _ = await _sqlite_rows(cli_env / "cli.db")
    assert counts["users"] == 0
