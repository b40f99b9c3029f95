"""Dialect-specific statement pieces: ON CONFLICT inserts and list matches (PostgreSQL, SQLite)."""

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Executable, Table, any_, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

Insert = postgresql.Insert | sqlite.Insert
T = TypeVar("T")
Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert_for(dialect: str, table: Table) -> Insert:
    """`INSERT` for `table` that offers `on_conflict_do_nothing` / `on_conflict_do_update`.

    Hot paths build their statements once per dialect (e.g. under `functools.cache`): building
    a statement costs more than executing a cached one.
    """
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert(session: AsyncSession, table: Table) -> Insert:
    return insert_for(dialect_name(session), table)


def in_list(dialect: str, column: ColumnElement[T], name: str) -> ColumnElement[bool]:
    """`column IN (:name...)` that keeps one SQL text whatever the list length.

    On PostgreSQL it is `column = ANY(:name)` with one array parameter, so asyncpg reuses a
    single prepared statement; SQLite gets an expanding IN. Bind a list (or set) to `name`.
    """
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


async def execute(session: AsyncSession, statement: Executable, params: Params = None) -> Any:
    """Run a Core statement on the session's connection, inside its transaction.

    Skips the ORM session layer (no autoflush, no ORM compile plugins): measurably cheaper on
    hot paths. Callers that have pending ORM changes must flush first.
    """
    connection = await session.connection()
    return await connection.execute(statement, params)
