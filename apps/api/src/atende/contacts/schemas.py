import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from atende.core.schemas import AppSchema

_PHONE = re.compile(r"^\+?[\d\s\-().]+$")
MIN_PHONE_DIGITS = 8
MAX_PHONE_DIGITS = 15  # E.164


def normalise_phone(value: str) -> str:
    """E.164 as typed by people ("+55 11 98765-4321") to WhatsApp's wa_id (digits, no +)."""
    value = value.strip()
    if not _PHONE.match(value):
        raise ValueError("must be a phone number in international format, e.g. +55 11 98765-4321")
    digits = re.sub(r"\D", "", value)
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        raise ValueError(
            f"must have {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} digits, country code included"
        )
    return digits


Phone = Annotated[str, Field(max_length=40), AfterValidator(normalise_phone)]
ContactName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class ContactRead(AppSchema):
    id: uuid.UUID
    name: str | None
    wa_id: str | None
    user_id: str | None
    created_at: datetime


class ContactCreate(AppSchema):
    phone: Phone
    name: ContactName | None = None


class ContactUpdate(AppSchema):
    # null clears the name (the inbox then shows the phone number).
    name: ContactName | None = None
