"""Test fixtures: every database test runs on SQLite and on PostgreSQL, on a clean database."""

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from alembic import command
from atende.core.config import Environment, Settings
from atende.core.db import Database, Event
from atende.core.models_registry import Base
from atende.main import create_app
from tests.factories import Factory

API_DIR = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def alembic_config(url: str) -> Config:
    config = Config(str(API_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(API_DIR / "alembic"))
    config.set_main_option("sqlalchemy.url", url)
    return config


async def _pg_available() -> bool:
    try:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
    except (OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def create_pg_database() -> str:
    name = f"atende_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)


async def pg_connect(url: str) -> asyncpg.Connection:
    """A bare asyncpg connection to a database named by its SQLAlchemy URL."""
    return await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))


async def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def require_pg() -> None:
    """Skips the test when PostgreSQL does not answer; in CI, fails it."""
    if not await _pg_available():
        if IN_CI:
            pytest.fail("PostgreSQL is required in CI but does not answer")
        pytest.skip("PostgreSQL not available")


@asynccontextmanager
async def pg_database() -> AsyncIterator[str]:
    """A PostgreSQL database of its own, with no tables, dropped afterwards."""
    await require_pg()
    url = await create_pg_database()
    try:
        yield url
    finally:
        await drop_pg_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own with no tables, so the test can take it down to base."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    async with pg_database() as url:
        yield url


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", ["sqlite", "postgresql"], scope="session")


@pytest.fixture(scope="session")
def tmp_root() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="atende-test-") as d:
        yield Path(d)


_databases: dict[str, str] = {}


@pytest.fixture(scope="session")
async def database_url(backend: str, tmp_root: Path) -> AsyncIterator[str]:
    """A migrated database for the whole session, one per backend."""
    if backend == "postgresql":
        await require_pg()
        url = await create_pg_database()
    else:
        url = f"sqlite+aiosqlite:///{tmp_root / 'test.db'}"
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    yield url
    if backend == "postgresql":
        await drop_pg_database(url)


@pytest.fixture(scope="session")
async def shared_db(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    yield db
    await db.dispose()


async def truncate_all(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
        else:
            for table in tables:
                await conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
async def db(shared_db: Database) -> AsyncIterator[Database]:
    """The session database, emptied before each test, with a fresh publisher."""
    await truncate_all(shared_db)
    shared_db.publisher.sinks.clear()
    yield shared_db
    shared_db.publisher.sinks.clear()


@pytest.fixture
def events(db: Database) -> list[Event]:
    """Every realtime event published after commit during the test."""
    recorded: list[Event] = []

    async def sink(batch: list[Event]) -> None:
        recorded.extend(batch)

    db.publisher.sinks.append(sink)
    return recorded


@pytest.fixture
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    async with db.session() as s:
        yield s


@pytest.fixture
def settings(tmp_root: Path, database_url: str) -> Settings:
    return Settings(
        environment=Environment.TEST,
        data_dir=tmp_root,
        database_url=database_url,
        jwt_secret="test-jwt-secret-that-is-long-enough-for-hs256",
        whatsapp_app_secret="test-app-secret",
        whatsapp_verify_token="test-verify-token",
        whatsapp_token="test-global-token",
        graph_api_base_url="https://graph.test",
        embedded_worker=False,
    )


@pytest.fixture
async def app(settings: Settings, db: Database) -> AsyncIterator[FastAPI]:
    application = create_app(settings, database=db)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def factory(session: AsyncSession, settings: Settings) -> Factory:
    return Factory(session, settings)
