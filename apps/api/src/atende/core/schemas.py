"""Base schema and the list envelope of api.md."""

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class AppSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


class Page(AppSchema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
