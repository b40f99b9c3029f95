import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from atende.core.schemas import AppSchema
from atende.teams.schemas import TeamRef
from atende.users.models import Role

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _normalise_email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("not a valid email address")
    return value


# Stored lower-cased: uniqueness is case-insensitive on every dialect.
Email = Annotated[str, Field(max_length=320), AfterValidator(_normalise_email)]
UserName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# The strength policy is a domain rule (422 `weak_password`), checked by the service.
Password = Annotated[str, Field(max_length=1024)]


class UserRead(AppSchema):
    id: uuid.UUID
    email: str
    name: str
    role: Role
    is_active: bool
    teams: list[TeamRef]
    created_at: datetime


class UserCreate(AppSchema):
    email: Email
    name: UserName
    password: Password
    role: Role = Role.AGENT
    team_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)


class UserUpdate(AppSchema):
    name: UserName | None = None
    role: Role | None = None
    password: Password | None = None
    team_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)
    is_active: bool | None = None
