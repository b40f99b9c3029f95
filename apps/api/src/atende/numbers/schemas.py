import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, SecretStr, StringConstraints

from atende.core.schemas import AppSchema
from atende.teams.schemas import TeamRef

_DISPLAY_SEPARATORS = re.compile(r"[\s\-().]")


def _digits(value: str) -> str:
    if not value.isascii() or not value.isdigit():
        raise ValueError("must contain digits only")
    return value


def _display_number(value: str) -> str:
    # Meta shows it as "+1 555-078-3881" in some places and "15550783881" in webhooks.
    value = _DISPLAY_SEPARATORS.sub("", value.strip()).removeprefix("+")
    if not (value.isascii() and value.isdigit() and 5 <= len(value) <= 20):
        raise ValueError("must be a phone number: digits, optionally with a leading +")
    return value


PhoneNumberId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_digits),
]
WabaId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_digits),
]
DisplayNumber = Annotated[str, Field(max_length=40), AfterValidator(_display_number)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
SendRate = Annotated[float, Field(gt=0, le=1000)]
# SecretStr: the token never shows up in a repr, a log line or a validation error.
AccessToken = Annotated[SecretStr, Field(max_length=4096)]


class NumberRead(AppSchema):
    id: uuid.UUID
    phone_number_id: str
    display_phone_number: str
    label: str
    waba_id: str | None
    default_team: TeamRef | None
    simulated: bool
    is_active: bool
    has_access_token: bool
    send_rate_per_second: float | None
    created_at: datetime


class NumberCreate(AppSchema):
    phone_number_id: PhoneNumberId
    display_phone_number: DisplayNumber
    label: Label
    waba_id: WabaId | None = None
    access_token: AccessToken | None = None
    default_team_id: uuid.UUID | None = None
    simulated: bool = False
    send_rate_per_second: SendRate | None = None


class NumberUpdate(AppSchema):
    """Only the fields sent are changed; `null` clears the nullable ones."""

    display_phone_number: DisplayNumber | None = None
    label: Label | None = None
    waba_id: WabaId | None = None
    # An empty string or null removes the number's own token (the global one is used).
    access_token: SecretStr | None = Field(default=None, max_length=4096)
    default_team_id: uuid.UUID | None = None
    simulated: bool | None = None
    is_active: bool | None = None
    send_rate_per_second: SendRate | None = None
