"""PostgreSQL plans of the contact lookups that run on every webhook and every search.

Plans depend on statistics, so the tables are filled like a small business's (numbers
sharing their country and area code, each contact with an open conversation on one number)
and the webhook lookup is planned both with statistics and with none yet (a new install, or
a table that grew faster than autovacuum analyses it).
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Executable, select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from alembic import command
from atende.contacts.models import Contact, search_matches
from atende.messages.ingest import _lookup
from tests.conftest import alembic_config, pg_connect, pg_database

# A small business's contact list: at this size the old trigram index on wa_id won the plan.
CONTACTS = 2_000


@pytest.fixture(scope="module", params=["analysed", "not analysed"])
async def contacts_db(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    async with pg_database() as url:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
        conn = await pg_connect(url)
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
            await conn.execute(
                """
                INSERT INTO numbers (id, phone_number_id, display_phone_number, label,
                                     is_simulated, is_active, created_at, updated_at)
                VALUES (gen_random_uuid(), '900001', '5511900000001', 'Loja', false, true,
                        now(), now());
                INSERT INTO conversations (id, number_id, contact_id, status, last_message_at,
                                           unread_count, created_at, updated_at)
                SELECT gen_random_uuid(), numbers.id, contacts.id, 'open', now(), 0, now(), now()
                FROM contacts, numbers
                """
            )
            if request.param == "analysed":
                await conn.execute("ANALYZE contacts; ANALYZE conversations")
        finally:
            await conn.close()
        yield url


async def _plan(url: str, statement: Executable, params: dict[str, Any], *setup: str) -> str:
    compiled = statement.compile(dialect=asyncpg_dialect())
    values = {**compiled.params, **params}
    args = [values[name] for name in compiled.positiontup or ()]
    conn = await pg_connect(url)
    try:
        for sql in setup:
            await conn.execute(sql)
        rows = await conn.fetch(f"EXPLAIN {compiled.string}", *args)
    finally:
        await conn.close()
    return "\n".join(row[0] for row in rows)


async def test_the_webhook_lookup_reads_only_the_senders_rows(contacts_db: str) -> None:
    conn = await pg_connect(contacts_db)
    try:
        numbers = [row[0] for row in await conn.fetch("SELECT id FROM numbers")]
    finally:
        await conn.close()
    plan = await _plan(
        contacts_db,
        _lookup("postgresql"),
        {
            "b_numbers": numbers,
            "b_wa_ids": ["551900000123", "551900001567"],
            "b_user_ids": [],
        },
    )
    # Senders by the unique b-tree (a trigram index also answers `=`, far slower)…
    assert "uq_contacts_wa_id" in plan, plan
    assert "trgm" not in plan, plan
    # …and their open conversations by contact, not every open conversation of the number.
    conversation_scan = [line for line in plan.splitlines() if "Index Cond" in line]
    assert any("contact_id = contacts.id" in line for line in conversation_scan), plan


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
