import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from atende.core.schemas import AppSchema
from atende.users.models import Role

TeamName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class TeamRef(AppSchema):
    id: uuid.UUID
    name: str


class MemberRef(AppSchema):
    id: uuid.UUID
    name: str
    role: Role


class TeamRead(AppSchema):
    id: uuid.UUID
    name: str
    members: list[MemberRef]
    created_at: datetime


class TeamCreate(AppSchema):
    name: TeamName
    user_ids: list[uuid.UUID] = Field(default_factory=list, max_length=5000)


class TeamUpdate(AppSchema):
    name: TeamName | None = None


class TeamMembersUpdate(AppSchema):
    user_ids: list[uuid.UUID] = Field(max_length=5000)
