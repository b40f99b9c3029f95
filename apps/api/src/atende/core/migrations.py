"""Running Alembic from code (CLI, `serve` in the embedded default, tests)."""

import asyncio
from pathlib import Path
from typing import Any

from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from alembic import command

API_DIR = Path(__file__).resolve().parents[3]
# Session-level advisory lock held around every upgrade on PostgreSQL, so replicas that start
# together migrate one after the other: the first applies the revisions, the others then find
# the database at head. Any fixed 64-bit key unique to Atende ("atende" in ASCII).
MIGRATION_LOCK_KEY = 0x617465_6E6465


# Indexes on expressions: Alembic compares the model's SQL text with PostgreSQL's normalised
# form of it, which never match, so autogenerate leaves them to their hand-written migration.
EXPRESSION_INDEXES = frozenset({"ix_contacts_search_trgm"})


def include_object(
    obj: Any,  # noqa: ARG001
    name: str | None,
    type_: str,
    reflected: bool,  # noqa: ARG001
    compare_to: Any,  # noqa: ARG001
) -> bool:
    """Alembic's `include_object` hook for autogenerate (env.py) and the drift test."""
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def alembic_config(database_url: str) -> Config:
    config = Config(str(API_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(API_DIR / "alembic"))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    if database_url.startswith("postgresql"):
        asyncio.run(_upgrade_locked(database_url, revision))
    else:
        # SQLite: one file, one writer; a second process waits on its lock.
        command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


async def _upgrade_locked(database_url: str, revision: str) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        # Closing the connection (no pool) releases the lock, whether the upgrade failed or not.
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            # The lock belongs to the session, not to this transaction: it outlives the commit.
            await conn.commit()
            # On the connection holding the lock, in one transaction (DDL is transactional).
            async with conn.begin():
                await conn.run_sync(_run_upgrade, database_url, revision)
    finally:
        await engine.dispose()


def _run_upgrade(connection: Connection, database_url: str, revision: str) -> None:
    config = alembic_config(database_url)
    # alembic/env.py migrates on this connection instead of opening its own.
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
