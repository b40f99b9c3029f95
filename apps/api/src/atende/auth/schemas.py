import uuid

from pydantic import Field

from atende.core.schemas import AppSchema
from atende.users.models import Role


class LoginRequest(AppSchema):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class RefreshRequest(AppSchema):
    refresh_token: str = Field(max_length=512)


class UserBrief(AppSchema):
    id: uuid.UUID
    email: str
    name: str
    role: Role


class TeamRef(AppSchema):
    id: uuid.UUID
    name: str


class Me(UserBrief):
    teams: list[TeamRef]


class TokenPair(AppSchema):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
    user: UserBrief
