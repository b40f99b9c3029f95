"""Several replicas migrating at once: `atende migrate` takes a PostgreSQL advisory lock
around the Alembic upgrade, so they apply the revisions one after the other."""

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from alembic.script import ScriptDirectory

from atende.core.migrations import MIGRATION_LOCK_KEY, alembic_config, upgrade
from tests.conftest import pg_database
from tests.test_migrations import _inspect


@pytest.fixture
async def fresh_pg() -> AsyncIterator[str]:
    async with pg_database() as url:
        yield url


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _at_head(url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    _, revision, diffs = await _inspect(url)
    assert revision == head
    assert diffs == []


@pytest.mark.slow
async def test_two_replicas_migrating_at_once_both_succeed(fresh_pg: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": _dsn(fresh_pg), "DATA_DIR": str(tmp_path / "data")}
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "atende.cli",
            "migrate",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outputs = await asyncio.wait_for(
        asyncio.gather(*(p.communicate() for p in processes)), timeout=120
    )

    for process, (output, _) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output.decode(errors="replace")
        assert b"database is up to date" in output
    await _at_head(fresh_pg)


async def _waiting_for_the_lock(conn: asyncpg.Connection) -> int:
    high, low = MIGRATION_LOCK_KEY >> 32, MIGRATION_LOCK_KEY & 0xFFFFFFFF
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND classid = $1 AND objid = $2 AND objsubid = 1",
            high,
            low,
        )
    )


async def test_an_upgrade_waits_for_the_lock_holder(fresh_pg: str) -> None:
    holder = await asyncpg.connect(_dsn(fresh_pg))
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        migrating = asyncio.create_task(asyncio.to_thread(upgrade, fresh_pg))
        deadline = time.monotonic() + 30
        while not await _waiting_for_the_lock(holder):
            assert not migrating.done(), "the upgrade ran without the lock"
            assert time.monotonic() < deadline, "the upgrade never asked for the lock"
            await asyncio.sleep(0.05)
        tables = await holder.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        assert tables == 0

        await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        await asyncio.wait_for(migrating, timeout=60)
    finally:
        await holder.close()
    await _at_head(fresh_pg)
