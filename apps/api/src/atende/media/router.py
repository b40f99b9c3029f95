import time
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.types import Message

from atende.core.db import SessionDep
from atende.core.deps import CurrentUser, SettingsDep
from atende.core.exceptions import InvalidInput
from atende.media import links
from atende.media import service as media_service
from atende.media.constants import MAX_UPLOAD_BYTES
from atende.media.dependencies import StorageDep
from atende.media.exceptions import LinkExpired, MediaNotFound, MediaTooLarge
from atende.media.responses import media_response
from atende.media.schemas import UploadRead

router = APIRouter(tags=["media"])
# Signed links: the signature is the authorization (no bearer token on <img>/<audio>).
public_router = APIRouter(tags=["media"])

# Room for the multipart framing around the file.
MAX_UPLOAD_BODY = MAX_UPLOAD_BYTES + 64 * 1024
_TOO_LARGE = f"Files over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB cannot be sent"
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


def _limited(request: Request) -> Request:
    """The request with its body cut off at the largest file Meta takes, declared or not,
    before the multipart parser spools it to disk."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BODY:
        raise MediaTooLarge(_TOO_LARGE)
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > MAX_UPLOAD_BODY:
                raise MediaTooLarge(_TOO_LARGE)
        return message

    return Request(request.scope, receive)


@router.post(
    "/uploads", status_code=201, operation_id="media-create_upload", openapi_extra=UPLOAD_BODY
)
async def create_upload(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    storage: StorageDep,
) -> UploadRead:
    async with _limited(request).form(max_files=1, max_fields=4) as form:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise InvalidInput(
                "Send the file as the multipart field `file`",
                fields=[{"loc": ["body", "file"], "msg": "Field required", "type": "missing"}],
            )
        return await media_service.create_upload(
            session,
            settings=settings,
            storage=storage,
            user=user,
            read=file.read,
            filename=file.filename,
            declared_type=file.content_type,
        )


@router.get(
    "/messages/{message_id}/media",
    operation_id="media-get_message_media",
    response_class=Response,
    responses={200: {"description": "The file, with its content type"}},
)
async def get_message_media(
    message_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    storage: StorageDep,
) -> Response:
    media = await media_service.stored_media(session, message_id=message_id, user=user)
    await session.close()
    return await media_response(storage, media, range_header=request.headers.get("range"))


@public_router.get(
    "/media/{message_id}",
    operation_id="media-get_signed_media",
    response_class=Response,
    responses={200: {"description": "The file, with its content type"}},
)
async def get_signed_media(
    message_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    storage: StorageDep,
    exp: int,
    sig: Annotated[str, Query(max_length=128)],
) -> Response:
    now = time.time()
    match links.check(message_id, exp, sig, now=now):
        case links.LinkCheck.INVALID:
            raise MediaNotFound("Media not found")
        case links.LinkCheck.EXPIRED:
            raise LinkExpired("This media link has expired")
    media = await media_service.stored_media(session, message_id=message_id, user=None)
    await session.close()
    return await media_response(
        storage,
        media,
        range_header=request.headers.get("range"),
        cache_seconds=int(exp - now),
    )
