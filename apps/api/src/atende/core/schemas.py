"""Base schema and the list envelope of api.md."""

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class AppSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


class Page(AppSchema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class FieldError(AppSchema):
    loc: list[str | int]
    msg: str
    type: str


class ErrorDetail(AppSchema):
    code: str
    message: str
    fields: list[FieldError] | None = None


class ErrorBody(AppSchema):
    """Every error answer: `{"error": {"code", "message", "fields"?}}` (api.md)."""

    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting these error statuses with the error body."""
    return {status: {"model": ErrorBody} for status in statuses}


# What any /api route may answer besides its success (validation errors use the same body).
API_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422, 429)
