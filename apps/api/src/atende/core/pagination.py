"""Keyset pagination behind api.md's `{items, next_cursor}` lists.

A cursor is opaque to clients: url-safe base64 of the sort-key values of the last row
of a page. The values are read back from the database (selected next to the row), so the
comparison for the next page uses exactly the ordering the database applied (collation,
`lower()`), on SQLite and PostgreSQL alike.
"""

import base64
import binascii
import json
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from sqlalchemy import ColumnElement, Select, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from atende.core.exceptions import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"


@dataclass(frozen=True)
class PageParams:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor or None)


PageParamsDep = Annotated[PageParams, Depends(page_params)]

T = TypeVar("T")


def _tag(value: Any) -> list[Any]:
    # Tagged so a value comes back with its type (a UUID must not compare as a plain string).
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, float):
        return ["f", value]
    if isinstance(value, str):
        return ["s", str(value)]
    if isinstance(value, uuid.UUID):
        return ["u", str(value)]
    if isinstance(value, datetime):
        return ["d", value.isoformat()]
    raise TypeError(f"unsupported cursor value type: {type(value).__name__}")


def _untag(item: Any) -> Any:
    if not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], str):
        raise ValueError("bad cursor item")
    tag, raw = item
    if tag == "u":
        return uuid.UUID(raw)
    if tag == "d":
        return datetime.fromisoformat(raw)
    if tag == "b" and isinstance(raw, bool):
        return raw
    if tag == "i" and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if tag == "f" and isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if tag == "s" and isinstance(raw, str):
        return raw
    raise ValueError("bad cursor item")


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_tag(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, size: int) -> list[Any]:
    """The key values stored in `cursor`; raises `InvalidCursor` (422) on anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        items = json.loads(raw)
        if not isinstance(items, list) or len(items) != size:
            raise ValueError("wrong cursor size")
        return [_untag(item) for item in items]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as e:
        raise InvalidCursor("The cursor is not valid for this list") from e


_INT64 = 2**63


def _python_type(key: Any) -> type | None:
    # A function key (e.g. `lower(name)`) has no type of its own: its argument's applies.
    for candidate in (key, *getattr(key, "clauses", ())):
        # A TypeDecorator (e.g. UTCDateTime) answers for its implementation type.
        column_type = getattr(candidate.type, "impl_instance", candidate.type)
        try:
            python_type: type = column_type.python_type
        except NotImplementedError:
            continue
        if python_type is not object:
            return python_type
    return None


def _fits(value: Any, key: Any) -> bool:
    """Whether the database can compare `value` with a key of `column_type`: a cursor is
    client input, and a value of the wrong type or range would fail there (a 500)."""
    expected = _python_type(key)
    if expected is None:
        return True
    if expected is bool or isinstance(value, bool):
        return expected is bool and isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and -_INT64 <= value < _INT64
    if expected is float:
        return isinstance(value, float) and math.isfinite(value)
    if expected is str:
        return isinstance(value, str) and "\x00" not in value
    if expected is datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            return False
        try:
            value.astimezone(UTC)
        except OverflowError:
            return False
        return True
    return isinstance(value, expected)


def cursor_values(
    cursor: str, keys: Sequence[ColumnElement[Any] | QueryableAttribute[Any]]
) -> list[Any]:
    """The key values stored in `cursor`, each checked against its key's type; raises
    `InvalidCursor` (422) on anything else."""
    values = decode_cursor(cursor, size=len(keys))
    if not all(_fits(v, k) for k, v in zip(keys, values, strict=True)):
        raise InvalidCursor("The cursor is not valid for this list")
    return values


async def paginate(
    session: AsyncSession,
    stmt: Select[T],
    *,
    keys: Sequence[ColumnElement[Any] | QueryableAttribute[Any]],
    page: PageParams,
    descending: bool = False,
) -> tuple[list[T], str | None]:
    """One page of `stmt` ordered by `keys` (the last key must be unique, e.g. the id).

    Returns the rows and the cursor of the next page (None on the last page).
    """
    ordered = stmt.add_columns(*keys)
    if page.cursor is not None:
        values = cursor_values(page.cursor, keys)
        bound = tuple_(*(literal(v, k.type) for k, v in zip(keys, values, strict=True)))
        row_key = tuple_(*keys)
        ordered = ordered.where(row_key < bound if descending else row_key > bound)
    ordered = ordered.order_by(*(k.desc() if descending else k.asc() for k in keys))
    rows = (await session.execute(ordered.limit(page.limit + 1))).all()
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    items: list[T] = [row[0] for row in rows]
    next_cursor = encode_cursor(list(rows[-1][1:])) if has_more and rows else None
    return items, next_cursor
