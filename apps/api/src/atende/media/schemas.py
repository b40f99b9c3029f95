import uuid

from atende.core.schemas import AppSchema


class UploadRead(AppSchema):
    id: uuid.UUID
    mime_type: str
    size: int
    filename: str | None
