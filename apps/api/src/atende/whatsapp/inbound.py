"""Domain objects parsed from webhook envelopes (cloud-api.md §2, §4, §5).

Plain slotted dataclasses: the webhook is the hottest path, and these are built for every
update, so they stay cheaper than validated models. Every string is already trimmed to its
column's size and free of NUL characters, so storing them can never fail.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Message types stored as-is; everything else becomes `unsupported` (raw JSON kept).
MEDIA_TYPES = frozenset({"image", "audio", "video", "document", "sticker"})
KNOWN_TYPES = MEDIA_TYPES | frozenset(
    {
        "text",
        "location",
        "contacts",
        "interactive",
        "button",
        "reaction",
        "order",
        "system",
        "unsupported",
    }
)
STATUS_VALUES = frozenset({"sent", "delivered", "read", "played", "failed"})


@dataclass(slots=True)
class Identity:
    """Who a customer is: phone-based `wa_id` and/or business-scoped `user_id` (BSUID)."""

    wa_id: str | None
    user_id: str | None
    name: str | None = None


@dataclass(slots=True)
class Reaction:
    target_wamid: str
    # None (absent) or "" (empty) both mean the reaction was removed.
    emoji: str | None


@dataclass(slots=True)
class InboundMessage:
    wamid: str
    sender: Identity
    timestamp: datetime
    type: str
    text: str | None
    payload: dict[str, Any]
    reply_to_wamid: str | None = None
    media_id: str | None = None
    media_mime_type: str | None = None
    media_sha256: str | None = None
    media_filename: str | None = None
    reaction: Reaction | None = None
    # `system` user_changed_number: the customer's new wa_id.
    new_wa_id: str | None = None
    # Meta's reason on `unsupported` messages (errors[0]).
    error_code: int | None = None
    error_title: str | None = None

    @property
    def is_media(self) -> bool:
        return self.type in MEDIA_TYPES

    @property
    def reactor(self) -> str:
        """The key under which this sender's reaction is kept on the target message."""
        return self.sender.wa_id or self.sender.user_id or ""


@dataclass(slots=True)
class InboundStatus:
    wamid: str
    status: str
    timestamp: datetime
    recipient_id: str | None = None
    error_code: int | None = None
    error_title: str | None = None
    error_details: str | None = None


@dataclass(slots=True)
class MessagesChange:
    """One `messages`-field change: everything addressed to one business number."""

    phone_number_id: str
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[InboundStatus] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class OtherChange:
    """A change of any other webhook field (templates, account updates...)."""

    field: str
    waba_id: str | None
    value: dict[str, Any]


@dataclass(slots=True)
class ParsedEnvelope:
    changes: list[MessagesChange] = field(default_factory=list)
    others: list[OtherChange] = field(default_factory=list)
    # Items that could not be stored at all (no wamid or no sender); logged by the caller.
    skipped: int = 0

    @property
    def phone_number_ids(self) -> set[str]:
        return {c.phone_number_id for c in self.changes}
