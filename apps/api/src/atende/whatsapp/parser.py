"""Webhook envelope parsing (cloud-api.md §2, §4, §5).

Parsing is total: any JSON object yields a `ParsedEnvelope`. A message whose type-specific
part is malformed is kept as `unsupported` with its raw JSON; only items with no wamid or no
sender (nothing to key them on) are skipped and counted. Statuses with an unknown status
string are logged and ignored.
"""

import logging
from datetime import UTC, datetime
from typing import Any

import orjson

from atende.whatsapp.inbound import (
    KNOWN_TYPES,
    MEDIA_TYPES,
    STATUS_VALUES,
    Identity,
    InboundMessage,
    InboundStatus,
    MessagesChange,
    OtherChange,
    ParsedEnvelope,
    Reaction,
)

logger = logging.getLogger(__name__)

# Column sizes (messages, contacts, pending_statuses): keys longer than these are invalid,
# free text is trimmed.
WAMID_MAX = 255
WA_ID_MAX = 32
USER_ID_MAX = 160
NAME_MAX = 255
MEDIA_FIELD_MAX = 128
FILENAME_MAX = 255
ERROR_TITLE_MAX = 512
INT32_MAX = 2**31 - 1
# The raw JSON kept with a message is cut below this depth (Meta's own nest about 5 levels):
# orjson parses 1023 levels, but the JSON writers stop short of that (orjson at 254, the
# standard library near the recursion limit), which would fail the whole transaction.
PAYLOAD_MAX_DEPTH = 32
# Anything outside [2001, 2100) is not a WhatsApp timestamp; the receive time is used then.
_TS_MIN, _TS_MAX = 978_307_200, 4_102_444_800


class MalformedEnvelope(ValueError):
    """The body is not a JSON object."""


class _Unparseable(Exception):
    """The type-specific part of a message is malformed: store it as unsupported."""


def parse_body(body: bytes) -> ParsedEnvelope:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise MalformedEnvelope(str(e)) from e
    if not isinstance(document, dict):
        raise MalformedEnvelope("the body is not a JSON object")
    # PostgreSQL refuses NUL in text and JSONB; only escaped NULs can reach here.
    if b"\\u0000" in body:
        document = _strip_nul(document)
    return parse_envelope(document)


def parse_envelope(document: dict[str, Any]) -> ParsedEnvelope:
    parsed = ParsedEnvelope()
    now = datetime.now(UTC)
    for entry in _dicts(document.get("entry")):
        waba_id = entry.get("id")
        for change in _dicts(entry.get("changes")):
            field = change.get("field")
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            if field == "messages":
                _parse_messages_change(value, parsed, now)
            else:
                parsed.others.append(
                    OtherChange(
                        field=field if isinstance(field, str) else "",
                        waba_id=waba_id if isinstance(waba_id, str) else None,
                        value=value,
                    )
                )
    return parsed


def _parse_messages_change(value: dict[str, Any], parsed: ParsedEnvelope, now: datetime) -> None:
    metadata = value.get("metadata")
    phone_number_id = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
    if not isinstance(phone_number_id, str) or not phone_number_id:
        parsed.skipped += len(_dicts(value.get("messages"))) + len(_dicts(value.get("statuses")))
        return
    change = MessagesChange(phone_number_id=phone_number_id)
    contacts = [_contact(c) for c in _dicts(value.get("contacts"))]
    by_wa = {c.wa_id: c for c in contacts if c.wa_id}
    by_user = {c.user_id: c for c in contacts if c.user_id}
    lone = contacts[0] if len(contacts) == 1 else None
    for raw in _dicts(value.get("messages")):
        message = parse_message(raw, by_wa=by_wa, by_user=by_user, lone=lone, now=now)
        if message is None:
            parsed.skipped += 1
        else:
            change.messages.append(message)
    for raw in _dicts(value.get("statuses")):
        status = parse_status(raw, now=now)
        if status is not None:
            change.statuses.append(status)
    change.errors = _dicts(value.get("errors"))
    parsed.changes.append(change)


def _contact(raw: dict[str, Any]) -> Identity:
    profile = raw.get("profile")
    name = profile.get("name") if isinstance(profile, dict) else None
    return Identity(
        wa_id=_key(raw.get("wa_id"), WA_ID_MAX),
        user_id=_key(raw.get("user_id"), USER_ID_MAX),
        name=_text(name, NAME_MAX),
    )


def parse_message(
    raw: dict[str, Any],
    *,
    by_wa: dict[str, Identity],
    by_user: dict[str, Identity],
    lone: Identity | None,
    now: datetime,
) -> InboundMessage | None:
    wamid = _key(raw.get("id"), WAMID_MAX)
    if wamid is None:
        return None
    wa_id = _key(raw.get("from"), WA_ID_MAX)
    user_id = _key(raw.get("from_user_id"), USER_ID_MAX)
    profile = (by_wa.get(wa_id) if wa_id else None) or (by_user.get(user_id) if user_id else None)
    if profile is None and wa_id is None and user_id is None:
        profile = lone
    if profile is not None:
        wa_id = wa_id or profile.wa_id
        user_id = user_id or profile.user_id
    if wa_id is None and user_id is None:
        return None
    message = InboundMessage(
        wamid=wamid,
        sender=Identity(wa_id=wa_id, user_id=user_id, name=profile.name if profile else None),
        timestamp=_timestamp(raw.get("timestamp"), now),
        type="unsupported",
        text=None,
        payload=raw if _depth_within(raw, PAYLOAD_MAX_DEPTH) else _cut(raw, PAYLOAD_MAX_DEPTH),
    )
    context = raw.get("context")
    if isinstance(context, dict):
        message.reply_to_wamid = _key(context.get("id"), WAMID_MAX)
    kind = raw.get("type")
    if isinstance(kind, str) and kind in KNOWN_TYPES and kind != "unsupported":
        try:
            _fill(message, kind, raw)
            message.type = kind
        except Exception as e:
            if not isinstance(e, _Unparseable):
                logger.exception("webhook message kept as unsupported", extra={"wamid": wamid})
            _reset(message)
    if message.type == "unsupported":
        _unsupported_error(message, raw)
    return message


def _reset(message: InboundMessage) -> None:
    message.type = "unsupported"
    message.text = message.media_id = message.media_mime_type = None
    message.media_sha256 = message.media_filename = message.reaction = None
    message.new_wa_id = None


def _unsupported_error(message: InboundMessage, raw: dict[str, Any]) -> None:
    """Meta's reason (131051 unknown type, 131060 unavailable) shows as the message error."""
    errors = _dicts(raw.get("errors"))
    if errors:
        message.error_code, message.error_title, _ = _error_fields(errors[0])


def _fill(message: InboundMessage, kind: str, raw: dict[str, Any]) -> None:
    """Set the type-specific fields; raise `_Unparseable` when the shape is wrong."""
    body = raw.get(kind)
    if kind == "contacts":
        message.text = _contacts_summary(body)
        return
    if not isinstance(body, dict):
        raise _Unparseable(kind)
    if kind == "text":
        text = body.get("body")
        if not isinstance(text, str):
            raise _Unparseable(kind)
        message.text = text
    elif kind in MEDIA_TYPES:
        message.media_id = _text(body.get("id"), MEDIA_FIELD_MAX)
        message.media_mime_type = _text(body.get("mime_type"), MEDIA_FIELD_MAX)
        message.media_sha256 = _text(body.get("sha256"), MEDIA_FIELD_MAX)
        if kind == "document":
            message.media_filename = _text(body.get("filename"), FILENAME_MAX)
        if kind in ("image", "video", "document"):
            message.text = _text(body.get("caption"))
    elif kind == "reaction":
        target = _key(body.get("message_id"), WAMID_MAX)
        if target is None:
            raise _Unparseable(kind)
        emoji = body.get("emoji")
        message.reaction = Reaction(target, emoji if isinstance(emoji, str) else None)
        message.text = message.reaction.emoji or None
    else:
        message.text = _SUMMARIES[kind](body)
        if kind == "system" and body.get("type") == "user_changed_number":
            message.new_wa_id = _key(body.get("wa_id"), WA_ID_MAX)


def _location_summary(body: dict[str, Any]) -> str:
    parts = [p for p in (_text(body.get("name")), _text(body.get("address"))) if p]
    lat, lon = body.get("latitude"), body.get("longitude")
    if _is_number(lat) and _is_number(lon):
        parts.append(f"{lat}, {lon}")
    if not parts:
        raise _Unparseable("location")
    return "📍 " + " · ".join(parts)


def _contacts_summary(body: Any) -> str:
    if not isinstance(body, list) or not body:
        raise _Unparseable("contacts")
    cards = []
    for card in body:
        if not isinstance(card, dict):
            continue
        name = card.get("name")
        label = _text(name.get("formatted_name")) if isinstance(name, dict) else None
        phones = [p for p in _dicts(card.get("phones")) if isinstance(p.get("phone"), str)]
        phone = phones[0]["phone"] if phones else None
        cards.append(" ".join(p for p in (label, f"({phone})" if phone else None) if p) or "?")
    return "👤 " + ", ".join(cards)


def _interactive_summary(body: dict[str, Any]) -> str:
    kind = body.get("type")
    reply = body.get(kind) if isinstance(kind, str) else None
    if not isinstance(reply, dict):
        raise _Unparseable("interactive")
    if kind == "nfm_reply":
        text = _text(reply.get("body")) or _text(reply.get("name"))
    else:
        text = _text(reply.get("title"))
        description = _text(reply.get("description"))
        if text and description:
            text = f"{text} — {description}"
    if not text:
        raise _Unparseable("interactive")
    return text


def _button_summary(body: dict[str, Any]) -> str:
    text = _text(body.get("text")) or _text(body.get("payload"))
    if not text:
        raise _Unparseable("button")
    return text


def _order_summary(body: dict[str, Any]) -> str:
    items = []
    for item in _dicts(body.get("product_items")):
        sku = _text(item.get("product_retailer_id")) or "?"
        quantity = item.get("quantity")
        items.append(f"{quantity}x {sku}" if _is_number(quantity) else sku)
    note = _text(body.get("text"))
    summary = "🛒 " + (", ".join(items) if items else "order")
    return f"{summary} — {note}" if note else summary


def _system_summary(body: dict[str, Any]) -> str:
    text = _text(body.get("body"))
    if text:
        return text
    new_wa_id = _text(body.get("wa_id"))
    return f"changed number to {new_wa_id}" if new_wa_id else "system message"


_SUMMARIES = {
    "location": _location_summary,
    "interactive": _interactive_summary,
    "button": _button_summary,
    "order": _order_summary,
    "system": _system_summary,
}


def parse_status(raw: dict[str, Any], *, now: datetime) -> InboundStatus | None:
    wamid = _key(raw.get("id"), WAMID_MAX)
    status = raw.get("status")
    if wamid is None or not isinstance(status, str) or status not in STATUS_VALUES:
        logger.info("webhook status ignored", extra={"status": str(status)[:32]})
        return None
    parsed = InboundStatus(
        wamid=wamid,
        status=status,
        timestamp=_timestamp(raw.get("timestamp"), now),
        recipient_id=_key(raw.get("recipient_id"), WA_ID_MAX),
    )
    errors = _dicts(raw.get("errors"))
    if errors:
        parsed.error_code, parsed.error_title, parsed.error_details = _error_fields(errors[0])
    return parsed


def _error_fields(error: dict[str, Any]) -> tuple[int | None, str | None, str | None]:
    code = error.get("code")
    if not isinstance(code, int) or isinstance(code, bool) or abs(code) > INT32_MAX:
        code = None
    title = _text(error.get("title"), ERROR_TITLE_MAX) or _text(
        error.get("message"), ERROR_TITLE_MAX
    )
    data = error.get("error_data")
    details = _text(data.get("details")) if isinstance(data, dict) else None
    return code, title, details


def _dicts(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, dict)]


def _key(value: Any, limit: int) -> str | None:
    """An identifier: a non-empty string within its column size, else unusable."""
    if isinstance(value, str) and value and len(value) <= limit and "\x00" not in value:
        return value
    return None


def _text(value: Any, limit: int | None = None) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return value[:limit] if limit is not None else value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _timestamp(value: Any, now: datetime) -> datetime:
    try:
        seconds = int(value)
    except (TypeError, ValueError, OverflowError):
        return now
    if not _TS_MIN <= seconds < _TS_MAX:
        return now
    return datetime.fromtimestamp(seconds, UTC)


def _strip_nul(document: dict[str, Any]) -> dict[str, Any]:
    """Removes NUL from every key and string, in place; iterative, since the document may
    nest deeper than Python's recursion limit."""
    stack: list[dict[str, Any] | list[Any]] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in [k for k in node if "\x00" in k]:
                node[key.replace("\x00", "")] = node.pop(key)
            slots: Any = list(node.items())
        else:
            slots = list(enumerate(node))
        for slot, value in slots:
            if isinstance(value, str):
                node[slot] = value.replace("\x00", "")
            elif isinstance(value, dict | list):
                stack.append(value)
    return document


def _depth_within(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, dict | list):
                if depth >= limit:
                    return False
                stack.append((child, depth + 1))
    return True


def _cut(value: Any, levels: int) -> Any:
    """`value` with the containers nested deeper than `levels` replaced by null."""
    if not isinstance(value, dict | list):
        return value
    if levels <= 0:
        return None
    if isinstance(value, dict):
        return {k: _cut(v, levels - 1) for k, v in value.items()}
    return [_cut(v, levels - 1) for v in value]
