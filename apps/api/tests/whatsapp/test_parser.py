"""The envelope parser: every type of cloud-api.md §4, sender matching, and totality."""

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atende.whatsapp import envelopes
from atende.whatsapp.parser import MalformedEnvelope, parse_body, parse_envelope
from tests.webhook.strategies import envelopes as webhook_envelopes

PAYLOADS = Path(__file__).parents[1] / "webhook" / "payloads"
NOW = datetime(2026, 11, 29, tzinfo=UTC)


def load(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


def envelope_with(messages: list[dict[str, Any]], contacts: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        envelopes.wrap(
            phone_number_id="1",
            display_phone_number="1",
            value={"contacts": contacts, "messages": messages},
        )
    ).encode()


@pytest.mark.parametrize("path", sorted(PAYLOADS.glob("*.json")), ids=lambda p: p.stem)
def test_every_fixture_parses_without_skips(path: Path) -> None:
    parsed = parse_body(path.read_bytes())

    assert parsed.skipped == 0
    assert parsed.changes or parsed.others


def test_text_message() -> None:
    parsed = parse_body(load("text"))

    [change] = parsed.changes
    assert change.phone_number_id == "209988776655443"
    [message] = change.messages
    assert message.type == "text"
    assert message.text == "Hi, is my order shipped?"
    assert message.timestamp == datetime(2026, 1, 1, tzinfo=UTC)
    assert message.sender.wa_id == "447700900123"
    assert message.sender.user_id == "GB.50918273645501928374"
    assert message.sender.name == "Dana Ruiz"


def test_reaction_and_its_removals() -> None:
    thumbs = parse_body(load("reaction")).changes[0].messages[0]
    empty = parse_body(load("reaction_removed_empty")).changes[0].messages[0]
    absent = parse_body(load("reaction_removed_absent")).changes[0].messages[0]

    assert thumbs.reaction is not None and thumbs.reaction.emoji == "\U0001f44d"
    assert thumbs.reaction.target_wamid == "wamid.OUTBOUND9"
    assert empty.reaction is not None and empty.reaction.emoji == ""
    assert absent.reaction is not None and absent.reaction.emoji is None
    assert thumbs.reactor == "447700900123"


def test_user_changed_number() -> None:
    [message] = parse_body(load("system_user_changed_number")).changes[0].messages

    assert message.type == "system"
    assert message.new_wa_id == "447700900999"
    assert message.sender.wa_id == "447700900123"
    assert message.sender.name is None  # system messages come without contacts


def test_contacts_matched_by_id_not_by_position() -> None:
    body = envelope_with(
        messages=[
            {
                "from": "111",
                "id": "wamid.1",
                "timestamp": "1767225600",
                "type": "text",
                "text": {"body": "a"},
            },
            {
                "from_user_id": "BR.2",
                "id": "wamid.2",
                "timestamp": "1767225600",
                "type": "text",
                "text": {"body": "b"},
            },
        ],
        contacts=[
            {"profile": {"name": "Bea"}, "user_id": "BR.2", "wa_id": "222"},
            {"profile": {"name": "Ana"}, "wa_id": "111"},
        ],
    )

    first, second = parse_body(body).changes[0].messages

    assert (first.sender.name, first.sender.wa_id, first.sender.user_id) == ("Ana", "111", None)
    assert (second.sender.name, second.sender.wa_id, second.sender.user_id) == (
        "Bea",
        "222",
        "BR.2",
    )


def test_message_without_sender_uses_the_only_contact() -> None:
    body = envelope_with(
        messages=[
            {"id": "wamid.1", "timestamp": "1767225600", "type": "text", "text": {"body": "a"}}
        ],
        contacts=[{"profile": {"name": "Ana"}, "user_id": "BR.1"}],
    )

    [message] = parse_body(body).changes[0].messages

    assert message.sender.user_id == "BR.1"


@pytest.mark.parametrize(
    "message",
    [
        {"from": "1", "timestamp": "1", "type": "text", "text": {"body": "no id"}},
        {"id": "wamid.1", "timestamp": "1", "type": "text", "text": {"body": "no sender"}},
        {"id": "w" * 256, "from": "1", "type": "text", "text": {"body": "id too long"}},
        {"id": "wamid.1", "from": "1" * 33, "type": "text", "text": {"body": "wa_id too long"}},
    ],
)
def test_unkeyable_messages_are_skipped_and_counted(message: dict[str, Any]) -> None:
    parsed = parse_body(envelope_with([message], contacts=[]))

    assert parsed.changes[0].messages == []
    assert parsed.skipped == 1


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("text", "not an object"),
        ("text", {"no_body": True}),
        ("image", None),
        ("interactive", {"type": "button_reply"}),
        ("interactive", {"type": "nfm_reply", "nfm_reply": {}}),
        ("reaction", {"emoji": "x"}),
        ("location", {"latitude": "north"}),
        ("contacts", []),
        ("button", {}),
    ],
)
def test_malformed_type_body_becomes_unsupported(kind: str, body: Any) -> None:
    raw = {"from": "1", "id": "wamid.1", "timestamp": "1767225600", "type": kind, kind: body}

    [message] = parse_body(envelope_with([raw], contacts=[])).changes[0].messages

    assert message.type == "unsupported"
    assert message.text is None
    assert message.payload == raw


@pytest.mark.parametrize("timestamp", [None, "soon", "-5", "99999999999999", 1.5, [1]])
def test_invalid_timestamp_falls_back_to_receive_time(timestamp: Any) -> None:
    raw = {"from": "1", "id": "wamid.1", "type": "text", "text": {"body": "x"}}
    if timestamp is not None:
        raw["timestamp"] = timestamp
    before = datetime.now(UTC)

    [message] = parse_body(envelope_with([raw], contacts=[])).changes[0].messages

    assert before <= message.timestamp <= datetime.now(UTC)


def test_nul_characters_are_removed_everywhere() -> None:
    raw = {
        "from": "1",
        "id": "wamid.1",
        "timestamp": "1767225600",
        "type": "text",
        "text": {"body": "a\u0000b"},
        "extra\u0000": ["\u0000"],
    }

    [message] = parse_body(envelope_with([raw], contacts=[])).changes[0].messages

    assert message.text == "ab"
    assert message.payload["extra"] == [""]


def test_long_free_text_is_trimmed_to_its_column() -> None:
    raw = {
        "from": "1",
        "id": "wamid.1",
        "timestamp": "1767225600",
        "type": "document",
        "document": {"id": "9" * 300, "filename": "f" * 300, "mime_type": "m" * 300},
    }
    contacts = [{"profile": {"name": "n" * 300}, "wa_id": "1"}]

    [message] = parse_body(envelope_with([raw], contacts)).changes[0].messages

    assert len(message.media_id or "") == 128
    assert len(message.media_filename or "") == 255
    assert len(message.sender.name or "") == 255


def test_statuses() -> None:
    delivered = parse_body(load("status_delivered")).changes[0].statuses[0]
    failed = parse_body(load("status_failed")).changes[0].statuses[0]

    assert (delivered.wamid, delivered.status) == ("wamid.OUTBOUND9", "delivered")
    assert delivered.error_code is None
    assert (failed.status, failed.error_code) == ("failed", 131049)
    assert failed.error_title is not None and failed.error_title.startswith("This message")
    assert failed.error_details is not None and failed.error_details.startswith("In order")


@pytest.mark.parametrize("code", [True, "131049", 2**40, 1.5])
def test_odd_error_codes_are_dropped(code: Any) -> None:
    errors = [{"code": code, "title": "t"}]
    body = envelopes.dumps(
        envelopes.status_envelope(
            phone_number_id="1",
            display_phone_number="1",
            wamid="wamid.1",
            status="failed",
            recipient_id="1",
            errors=errors,
        )
    )

    [status] = parse_body(body).changes[0].statuses

    assert (status.error_code, status.error_title) == (None, "t")


def test_unknown_status_is_ignored() -> None:
    body = envelopes.dumps(
        envelopes.status_envelope(
            phone_number_id="1",
            display_phone_number="1",
            wamid="wamid.1",
            status="deleted",
            recipient_id="1",
        )
    )

    assert parse_body(body).changes[0].statuses == []


def test_other_fields_are_kept_for_dispatch() -> None:
    parsed = parse_body(load("template_status"))

    assert parsed.changes == []
    [other] = parsed.others
    assert other.field == "message_template_status_update"
    assert other.waba_id == "880011223344556"
    assert other.value["event"] == "REJECTED"


@pytest.mark.parametrize("body", [b"", b"[]", b"12", b'"x"', b"{", b"\xff"])
def test_non_object_bodies_are_malformed(body: bytes) -> None:
    with pytest.raises(MalformedEnvelope):
        parse_body(body)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
KEYS = [
    "entry",
    "changes",
    "field",
    "value",
    "metadata",
    "phone_number_id",
    "messages",
    "statuses",
    "contacts",
    "id",
    "from",
    "type",
    "text",
    "body",
    "reaction",
    "errors",
]
shaped = st.recursive(
    json_values,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=16,
)


@settings(max_examples=100, deadline=None)
@given(document=st.dictionaries(st.sampled_from(KEYS), shaped, max_size=3))
def test_parsing_is_total(document: dict[str, Any]) -> None:
    parse_envelope(document)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=200))
def test_arbitrary_bytes_parse_or_are_malformed(body: bytes) -> None:
    with contextlib.suppress(MalformedEnvelope):
        parse_body(body)


@settings(max_examples=150, deadline=None)
@given(envelope=webhook_envelopes())
def test_parsing_mutated_fixtures_is_total(envelope: dict[str, Any]) -> None:
    parsed = parse_body(json.dumps(envelope).encode())

    for change in parsed.changes:
        for message in change.messages:
            assert len(message.wamid) <= 255
            assert message.sender.wa_id or message.sender.user_id
            assert isinstance(message.payload, dict)
