"""The migrations go up, down and up again on both dialects, and match the models exactly."""

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, String, inspect
from sqlalchemy.engine import Connection

from atende.core.db import make_engine
from atende.core.migrations import alembic_config, downgrade, include_object, upgrade
from atende.core.models_registry import Base

# What `alembic revision --autogenerate` compares (env.py sets compare_type too), plus defaults.
COMPARE_OPTIONS = {
    "compare_type": True,
    "compare_server_default": True,
    "include_object": include_object,
}


async def _inspect(
    url: str, metadata: MetaData = Base.metadata
) -> tuple[set[str], str | None, list[Any]]:
    """Tables, the stamped revision, and the differences between `metadata` and database."""

    def run(conn: Connection) -> tuple[set[str], str | None, list[Any]]:
        context = MigrationContext.configure(conn, opts=COMPARE_OPTIONS)
        diffs = compare_metadata(context, metadata)
        return set(inspect(conn).get_table_names()), context.get_current_revision(), diffs

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(run)
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade_and_no_drift(empty_database: str) -> None:
    url = empty_database
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    model_tables = set(Base.metadata.tables)

    await asyncio.to_thread(upgrade, url)
    tables, revision, diffs = await _inspect(url)
    assert revision == head
    assert model_tables <= tables
    assert diffs == []

    await asyncio.to_thread(downgrade, url, "base")
    tables, revision, _ = await _inspect(url)
    assert revision is None
    assert tables <= {"alembic_version"}

    await asyncio.to_thread(upgrade, url)
    tables, revision, diffs = await _inspect(url)
    assert revision == head
    assert model_tables <= tables
    assert diffs == []

    # The comparison is not vacuous: a column the migrations lack is reported.
    drifted = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["users"].append_column(Column("nickname", String(50)))
    _, _, diffs = await _inspect(url, drifted)
    assert [d[0] for d in diffs] == ["add_column"]
    assert diffs[0][3].name == "nickname"


def test_there_is_a_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"migration branches need a merge: {heads}"
