"""PostgreSQL plans of the contact lookups that run on every webhook and every search.

Plans depend on statistics, so the table is filled like a real one (numbers sharing their
country and area code) and analysed first.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Executable, select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from alembic import command
from atende.contacts.models import Contact, search_matches
from atende.messages.ingest import _lookup
from tests.conftest import alembic_config, pg_database

# A small business's contact list: at this size the old trigram index on wa_id won the plan.
CONTACTS = 2_000


@pytest.fixture(scope="module")
async def contacts_db() -> AsyncIterator[str]:
    async with pg_database() as url:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            await conn.execute(
                """
                INSERT INTO contacts (id, wa_id, name, created_at, updated_at)
                SELECT gen_random_uuid(), '55119' || lpad(i::text, 8, '0'),
                       'Cliente ' || i || CASE WHEN i % 50 = 0 THEN ' Silva' ELSE '' END,
                       now(), now()
                FROM generate_series(1, $1) AS i
                """,
                CONTACTS,
            )
            await conn.execute("ANALYZE contacts")
        finally:
            await conn.close()
        yield url


async def _plan(url: str, statement: Executable, params: dict[str, Any], *setup: str) -> str:
    compiled = statement.compile(dialect=asyncpg_dialect())
    values = {**compiled.params, **params}
    args = [values[name] for name in compiled.positiontup or ()]
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        for sql in setup:
            await conn.execute(sql)
        rows = await conn.fetch(f"EXPLAIN {compiled.string}", *args)
    finally:
        await conn.close()
    return "\n".join(row[0] for row in rows)


async def test_the_webhook_lookup_finds_senders_by_the_unique_index(contacts_db: str) -> None:
    plan = await _plan(
        contacts_db,
        _lookup("postgresql"),
        {
            "b_numbers": [],
            "b_wa_ids": ["551900000123", "551900004567"],
            "b_user_ids": [],
        },
    )
    assert "uq_contacts_wa_id" in plan, plan
    assert "trgm" not in plan, plan


@pytest.mark.parametrize("q", ["silva", "0001234", "+55 11 9000-0123"])
async def test_the_search_can_use_the_trigram_index(contacts_db: str, q: str) -> None:
    # With sequential scans priced out, a plan without the index means the query's
    # expression is not the indexed one.
    plan = await _plan(
        contacts_db,
        select(Contact.id).where(search_matches(q)),
        {},
        "SET enable_seqscan = off",
    )
    assert "ix_contacts_search_trgm" in plan, plan
