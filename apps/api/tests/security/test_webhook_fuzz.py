"""Signed but hostile webhook bodies: never a 5xx, never a partial write.

tests/webhook/test_properties.py mutates the items of valid envelopes; this module covers what
that does not: any JSON document or byte string at all, wrong types at every level of the
envelope, nesting past every parser's depth limit, huge strings, odd signature headers, and
the all-or-nothing rule checked by failing the transaction at every one of its statements.
"""

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from atende.contacts.models import Contact
from atende.conversations.models import Conversation
from atende.core.db import Database
from atende.messages.models import Message, PendingStatus
from atende.numbers.models import Number
from atende.whatsapp.parser import parse_body
from atende.whatsapp.signature import sign
from tests.webhook import helpers as h
from tests.webhook.strategies import envelopes, fresh_id

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def envelope(
    *,
    messages: list[Any] | None = None,
    statuses: list[Any] | None = None,
    contacts: list[Any] | None = None,
    phone_number_id: Any = h.PHONE_NUMBER_ID,
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15557770100", "phone_number_id": phone_number_id},
    }
    if contacts is not None:
        value["contacts"] = contacts
    if messages is not None:
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "880011223344556", "changes": [{"field": "messages", "value": value}]}],
    }


def text_message(wamid: str, body: Any = "hello", sender: Any = "447700900123") -> dict[str, Any]:
    return {
        "from": sender,
        "id": wamid,
        "timestamp": "1767225600",
        "type": "text",
        "text": {"body": body},
    }


def expected_wamids(body: bytes) -> set[str]:
    """The parser is the oracle: every bubble it yields for the known number gets stored."""
    parsed = parse_body(body)
    return {
        m.wamid
        for change in parsed.changes
        if change.phone_number_id == h.PHONE_NUMBER_ID
        for m in change.messages
        if m.reaction is None
    }


async def stored_wamids(db: Database, wamids: set[str]) -> set[str]:
    async with db.session() as s:
        return set(await s.scalars(select(Message.wamid).where(Message.wamid.in_(wamids))))


async def row_counts(db: Database) -> tuple[int, ...]:
    async with db.session() as s:
        return tuple(
            [
                int(await s.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Contact, Conversation, Message, PendingStatus)
            ]
        )


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def with_raw(document: dict[str, Any], marker: str, raw: bytes) -> bytes:
    """`document` serialised with the JSON string `"<marker>"` replaced by raw JSON text."""
    encoded = json.dumps(document).encode()
    placeholder = json.dumps(marker).encode()
    assert encoded.count(placeholder) == 1
    return encoded.replace(placeholder, raw)


# -- anything at all ---------------------------------------------------------------------------


@FUZZ
@given(document=json_values)
async def test_any_json_document_gets_200_or_400(
    client: httpx.AsyncClient, number: Number, document: Any
) -> None:
    body = json.dumps(document).encode()

    response = await h.post_body(client, body)

    assert response.status_code == (200 if isinstance(document, dict) else 400), response.text


@FUZZ
@given(body=st.binary(max_size=200))
async def test_any_byte_string_gets_200_or_400(
    client: httpx.AsyncClient, number: Number, body: bytes
) -> None:
    response = await h.post_body(client, body)

    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["error"]["code"] == "malformed_json"


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _message_items(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in _list(document.get("entry")):
        for change in _list(entry.get("changes")) if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            items = value.get("messages") if isinstance(value, dict) else None
            yield from (item for item in _list(items) if isinstance(item, dict))


_BASE = h.payload("multi_batch")
_BASE_PATHS = list(_paths(_BASE))


@FUZZ
@given(
    replacements=st.lists(
        st.tuples(st.sampled_from(_BASE_PATHS), json_values), min_size=1, max_size=3
    )
)
async def test_wrong_types_anywhere_in_the_envelope_never_fail_nor_lose_valid_items(
    client: httpx.AsyncClient,
    number: Number,
    db: Database,
    replacements: list[tuple[tuple[Any, ...], Any]],
) -> None:
    document = copy.deepcopy(_BASE)
    for path, junk in replacements:
        parent: Any = document
        try:
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = junk
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this path
    # Fresh wamids so examples sharing the database never collide.
    for item in _message_items(document):
        if isinstance(item.get("id"), str):
            item["id"] = fresh_id(item["id"])
    body = json.dumps(document).encode()

    response = await h.post_body(client, body)

    assert response.status_code == 200, response.text
    expected = expected_wamids(body)
    assert await stored_wamids(db, expected) == expected


# -- depth -------------------------------------------------------------------------------------
# Each case loops inside one test: a database test costs a fixture round trip per case.


async def test_nesting_past_the_parsers_limit_is_400(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    for depth in (1_024, 10_000, 100_000):
        document = envelope(messages=[text_message("wamid.deep.top")])
        document["extra"] = "NESTED"

        response = await h.post_body(client, with_raw(document, "NESTED", nested(depth)))

        assert response.status_code == 400, (depth, response.text)
        assert response.json()["error"]["code"] == "malformed_json"
    assert await row_counts(db) == (0, 0, 0, 0)


async def test_deep_json_inside_a_message_is_stored_cut_to_a_sane_depth(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    """orjson parses 1023 levels, but its writer stops at 254 and the standard library's near
    the recursion limit: storing the raw JSON must not fail (a 5xx Meta would retry for days),
    so the message is kept with its raw JSON cut below a sane depth."""
    for depth in (30, 100, 300, 1_000, 1_015):
        for nul in (False, True):
            wamid = f"wamid.deep.{depth}.{nul}"
            message = text_message(wamid, body="hello\u0000" if nul else "hello")
            message["extra"] = "NESTED"
            inner = b'"\\u0000"' if nul else b"1"
            raw = b"[" * depth + inner + b"]" * depth
            body = with_raw(envelope(messages=[message]), "NESTED", raw)

            response = await h.post_body(client, body)

            assert response.status_code == 200, (depth, nul, response.text)
            stored = await h.message(db, wamid)
            assert stored.text == "hello"
            assert stored.payload is not None
            assert stored.payload["id"] == wamid


# -- size --------------------------------------------------------------------------------------

LONG = 300_000
HUGE_FIELDS = [
    ("wamid", "w" * LONG),
    ("sender", "5" * LONG),
    ("name", "n" * LONG),
    ("type", "t" * LONG),
    ("phone_number_id", "9" * LONG),
    ("context", "c" * LONG),
    ("status_id", "s" * LONG),
    ("error_title", "e" * LONG),
    ("error_details", "d" * LONG),
    # Meta escapes non-ASCII: 12 bytes an emoji.
    ("reaction", "😮" * (LONG // 12)),
    ("media_id", "m" * LONG),
    ("timestamp", "1" * LONG),
]


def huge_envelope(case: int, field: str, value: str) -> dict[str, Any]:
    wamid = f"wamid.huge.{case}"
    message = text_message(wamid)
    contact: dict[str, Any] = {"profile": {"name": "Dana"}, "wa_id": "447700900123"}
    status: dict[str, Any] = {
        "id": f"wamid.huge.status.{case}",
        "status": "failed",
        "timestamp": "1767225600",
        "errors": [{"code": 131049, "title": "t", "error_data": {"details": "d"}}],
    }
    phone_number_id = h.PHONE_NUMBER_ID
    extra: list[dict[str, Any]] = []
    if field == "wamid":
        message["id"] = value
    elif field == "sender":
        message["from"] = value
    elif field == "name":
        contact["profile"]["name"] = value
    elif field == "type":
        message["type"] = value
    elif field == "phone_number_id":
        phone_number_id = value
    elif field == "context":
        message["context"] = {"id": value, "from": value}
    elif field == "status_id":
        status["id"] = value
    elif field == "error_title":
        status["errors"][0]["title"] = value
    elif field == "error_details":
        status["errors"][0]["error_data"]["details"] = value
    elif field == "reaction":
        extra.append(
            {
                "from": "447700900123",
                "id": f"{wamid}.reaction",
                "timestamp": "1767225601",
                "type": "reaction",
                "reaction": {"message_id": wamid, "emoji": value},
            }
        )
    elif field == "media_id":
        message.update(type="image", image={"id": value, "mime_type": value, "caption": value})
    elif field == "timestamp":
        message["timestamp"] = value
    return envelope(
        messages=[message, *extra],
        statuses=[status],
        contacts=[contact],
        phone_number_id=phone_number_id,
    )


async def test_huge_strings_in_any_field_are_never_a_server_error(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    for case, (field, value) in enumerate(HUGE_FIELDS):
        body = json.dumps(huge_envelope(case, field, value)).encode()

        response = await h.post_body(client, body)

        assert response.status_code == 200, (field, response.text)
        expected = expected_wamids(body)
        assert await stored_wamids(db, expected) == expected, field


async def test_a_text_of_megabytes_is_stored_intact(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    text = "Olá 😮 " * 140_000  # Meta escapes non-ASCII: 21 bytes each, about 2.9 MB
    body = json.dumps(envelope(messages=[text_message("wamid.big", body=text)])).encode()

    response = await h.post_body(client, body)

    assert response.status_code == 200, response.text
    assert (await h.message(db, "wamid.big")).text == text


ODD_VALUES = [
    b"1e400",
    b"-1e400",
    b"123456789012345678901234567890",
    b"18446744073709551615",
    b"-9223372036854775809",
    b"1" * 5_000,
    b'"\\u0000\\u0000"',
    b'"\\ud83d\\ude2e"',
    b'"\\ud800"',
    b'"\\udc00"',
    b'{"a":1,"a":2}',
    b'"\\\\u0000"',
]


async def test_odd_json_values_in_a_message_are_never_a_server_error(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    for case, raw in enumerate(ODD_VALUES):
        message = text_message(f"wamid.odd.{case}", body="RAW")
        message["extra"] = "RAW2"
        encoded = json.dumps(envelope(messages=[message])).encode()
        body = encoded.replace(b'"RAW"', raw).replace(b'"RAW2"', raw)

        response = await h.post_body(client, body)

        assert response.status_code in (200, 400), (raw[:40], response.text)
        expected = expected_wamids(body) if response.status_code == 200 else set()
        assert await stored_wamids(db, expected) == expected, raw[:40]


# -- signature header --------------------------------------------------------------------------

ODD_SIGNATURES = [
    b"sha256=\xc3\xa9" + b"0" * 62,
    b"sha256=" + b"\xff" * 64,
    b"sha256=",
    b"sha256",
    b"sha1=" + b"0" * 40,
    b"sha256=" + b"0" * 10_000,
    b"sha256=" + b"0" * 64,
    b"",
]


async def test_malformed_signature_headers_are_401(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    body = h.payload_bytes("text")
    for header in ODD_SIGNATURES:
        response = await client.post(
            h.URL,
            content=body,
            headers=[(b"content-type", b"application/json"), (b"x-hub-signature-256", header)],
        )

        assert response.status_code == 401, (header[:20], response.text)
    assert await row_counts(db) == (0, 0, 0, 0)


async def test_a_second_signature_header_is_not_a_way_around_the_first(
    client: httpx.AsyncClient, number: Number, db: Database
) -> None:
    body = h.payload_bytes("text")
    good = sign(body, h.APP_SECRET).encode()

    response = await client.post(
        h.URL,
        content=body,
        headers=[
            (b"content-type", b"application/json"),
            (b"x-hub-signature-256", b"sha256=" + b"0" * 64),
            (b"x-hub-signature-256", good),
        ],
    )

    assert response.status_code == 401
    assert await row_counts(db) == (0, 0, 0, 0)


# -- all or nothing ----------------------------------------------------------------------------


class InjectedFailure(Exception):
    pass


@contextmanager
def fail_at(db: Database, statement: int) -> Iterator[list[str]]:
    """The `statement`-th SQL statement run on `db` raises OperationalError (a dropped link)."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)
        if len(seen) == statement:
            raise OperationalError(sql, None, InjectedFailure("connection lost"))

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", before)


@FUZZ
@given(document=envelopes(), at=st.integers(min_value=1, max_value=40))
async def test_a_failure_at_any_statement_stores_nothing_and_redelivery_stores_all(
    client: httpx.AsyncClient, number: Number, db: Database, document: Any, at: int
) -> None:
    body = json.dumps(document).encode()
    before = await row_counts(db)

    with fail_at(db, at) as statements:
        failed = await h.post_body(client, body)

    if len(statements) < at:
        # The delivery ran fewer statements than `at`: nothing was injected.
        assert failed.status_code == 200, failed.text
    else:
        assert failed.status_code == 503, failed.text
        assert failed.json()["error"]["code"] == "webhook_unavailable"
        assert await row_counts(db) == before
        redelivered = await h.post_body(client, body)
        assert redelivered.status_code == 200, redelivered.text
    expected = expected_wamids(body)
    assert await stored_wamids(db, expected) == expected
