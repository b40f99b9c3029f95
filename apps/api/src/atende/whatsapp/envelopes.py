"""Builders for webhook envelopes shaped as Meta sends them (cloud-api.md §2, §4, §5).

Shared by the tests, the local simulator and the benchmarks so that every producer
posts exactly the same shape the webhook parser consumes.
"""

import time
import uuid
from typing import Any

import orjson

Envelope = dict[str, Any]


def new_wamid() -> str:
    return "wamid." + uuid.uuid4().hex.upper()


def _ts(timestamp: int | str | None) -> str:
    return str(int(time.time()) if timestamp is None else timestamp)


def wrap(
    *,
    phone_number_id: str,
    display_phone_number: str,
    value: dict[str, Any],
    waba_id: str = "880011223344556",
    field: str = "messages",
) -> Envelope:
    """One entry with one change; `value` gets messaging_product and metadata filled in."""
    full = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": display_phone_number,
            "phone_number_id": phone_number_id,
        },
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"field": field, "value": full}]}],
    }


def contact(*, wa_id: str | None, name: str, user_id: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"profile": {"name": name}}
    if wa_id is not None:
        out["wa_id"] = wa_id
    if user_id is not None:
        out["user_id"] = user_id
    return out


def _message(
    *,
    wa_id: str | None,
    user_id: str | None,
    wamid: str | None,
    timestamp: int | str | None,
    kind: str,
) -> dict[str, Any]:
    """The fields every inbound message object starts with, in Meta's order."""
    msg: dict[str, Any] = {}
    if wa_id is not None:
        msg["from"] = wa_id
    if user_id is not None:
        msg["from_user_id"] = user_id
    msg["id"] = wamid or new_wamid()
    msg["timestamp"] = _ts(timestamp)
    msg["type"] = kind
    return msg


def text_message(
    *,
    wa_id: str | None,
    text: str,
    wamid: str | None = None,
    timestamp: int | str | None = None,
    user_id: str | None = None,
    context_id: str | None = None,
) -> dict[str, Any]:
    msg = _message(wa_id=wa_id, user_id=user_id, wamid=wamid, timestamp=timestamp, kind="text")
    msg["text"] = {"body": text}
    if context_id is not None:
        msg["context"] = {"from": "", "id": context_id}
    return msg


def text_message_envelope(
    *,
    phone_number_id: str,
    display_phone_number: str,
    wa_id: str | None,
    name: str,
    text: str,
    wamid: str | None = None,
    timestamp: int | str | None = None,
    user_id: str | None = None,
) -> Envelope:
    return wrap(
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number,
        value={
            "contacts": [contact(wa_id=wa_id, name=name, user_id=user_id)],
            "messages": [
                text_message(
                    wa_id=wa_id, text=text, wamid=wamid, timestamp=timestamp, user_id=user_id
                )
            ],
        },
    )


def media_message(
    *,
    wa_id: str | None,
    kind: str,
    media: dict[str, Any],
    wamid: str | None = None,
    timestamp: int | str | None = None,
    user_id: str | None = None,
) -> dict[str, Any]:
    """An inbound image/audio/video/document/sticker: `media` holds `id`, `mime_type`,
    `sha256` and the kind's extras (`caption`, `filename`, `voice`, `animated`)."""
    msg = _message(wa_id=wa_id, user_id=user_id, wamid=wamid, timestamp=timestamp, kind=kind)
    msg[kind] = media
    return msg


def status_item(
    *,
    wamid: str,
    status: str,
    recipient_id: str,
    timestamp: int | str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": _ts(timestamp),
        "recipient_id": recipient_id,
    }
    if status in ("sent", "delivered", "read"):
        out["pricing"] = {
            "billable": False,
            "pricing_model": "PMP",
            "type": "free_customer_service",
            "category": "service",
        }
    if errors:
        out["errors"] = errors
    return out


def status_envelope(
    *,
    phone_number_id: str,
    display_phone_number: str,
    wamid: str,
    status: str,
    recipient_id: str,
    timestamp: int | str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> Envelope:
    return wrap(
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number,
        value={
            "statuses": [
                status_item(
                    wamid=wamid,
                    status=status,
                    recipient_id=recipient_id,
                    timestamp=timestamp,
                    errors=errors,
                )
            ]
        },
    )


def error(code: int, title: str, details: str | None = None) -> dict[str, Any]:
    """An `errors[]` item as Meta sends it on failed statuses and unsupported messages."""
    out: dict[str, Any] = {"code": code, "title": title, "message": title}
    if details is not None:
        out["error_data"] = {"details": details}
    out["href"] = "/documentation/business-messaging/whatsapp/support/error-codes"
    return out


def merge(*envelopes: Envelope) -> Envelope:
    """Concatenate the entries of several envelopes into one batched POST body."""
    return {
        "object": "whatsapp_business_account",
        "entry": [entry for env in envelopes for entry in env["entry"]],
    }


def dumps(envelope: Envelope) -> bytes:
    return orjson.dumps(envelope)
