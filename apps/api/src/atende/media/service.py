"""Uploads (checked against Meta's limits, then stored) and access to stored media files."""

import asyncio
import base64
import hashlib
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from atende.conversations.models import Conversation
from atende.conversations.policy import can_see
from atende.core.config import Settings
from atende.core.db import commit
from atende.core.deps import Principal
from atende.core.types import new_id
from atende.media.constants import (
    MAX_FILENAME_LENGTH,
    MAX_UPLOAD_BYTES,
    MediaKind,
    kinds_for,
    max_bytes_for,
)
from atende.media.exceptions import MediaNotFound, MediaTooLarge, UnsupportedMedia
from atende.media.models import Upload
from atende.media.schemas import UploadRead
from atende.media.sniff import HEAD_BYTES, sniff
from atende.media.storage import MediaStorage, staging_file, upload_key
from atende.messages.models import MediaStatus, Message

READ_BYTES = 1024 * 1024
_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f\"\\/]")

Reader = Callable[[int], Awaitable[bytes]]


def clean_filename(name: str | None) -> str | None:
    """The base name only, without control characters or quotes, at most 255 characters."""
    if not name:
        return None
    base = PureWindowsPath(PurePosixPath(name).name).name
    base = _UNSAFE_FILENAME.sub("_", base).strip(" .")
    if not base:
        return None
    if len(base) > MAX_FILENAME_LENGTH:
        stem, dot, ext = base.rpartition(".")
        if dot and 0 < len(ext) < 16:
            base = stem[: MAX_FILENAME_LENGTH - len(ext) - 1] + "." + ext
        else:
            base = base[:MAX_FILENAME_LENGTH]
    return base


async def create_upload(
    session: AsyncSession,
    *,
    settings: Settings,
    storage: MediaStorage,
    user: Principal,
    read: Reader,
    filename: str | None,
    declared_type: str | None,
) -> UploadRead:
    """Stores a file that Meta would take as at least one kind of media message."""
    name = clean_filename(filename)
    with staging_file(settings) as path:
        digest = hashlib.sha256()
        size = 0
        head = b""
        with path.open("wb") as out:
            while chunk := await read(READ_BYTES):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise MediaTooLarge(
                        f"Files over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB cannot be sent"
                    )
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                digest.update(chunk)
                await asyncio.to_thread(out.write, chunk)
        if size == 0:
            raise UnsupportedMedia("The file is empty")
        sniffed = sniff(head, declared=declared_type, filename=name)
        kinds = kinds_for(sniffed.mime_type)
        if not kinds:
            raise UnsupportedMedia(
                f"WhatsApp does not accept {sniffed.mime_type} files: send images (JPEG, PNG), "
                "audio, MP4/3GP video, PDF or Office documents, or WebP stickers"
            )
        limit = max(max_bytes_for(kind, animated=sniffed.animated) for kind in kinds)
        if size > limit:
            raise MediaTooLarge(f"WhatsApp accepts {sniffed.mime_type} files up to {_human(limit)}")
        upload_id = new_id()
        key = upload_key(upload_id)
        await storage.put_file(key, path, content_type=sniffed.mime_type)
    upload = Upload(
        id=upload_id,
        user_id=user.id,
        storage_key=key,
        mime_type=sniffed.mime_type,
        size=size,
        sha256=base64.b64encode(digest.digest()).decode(),
        filename=name,
        is_animated=sniffed.animated,
    )
    session.add(upload)
    await commit(session)
    return UploadRead.model_validate(upload)


def check_kind(upload: Upload, kind: MediaKind) -> None:
    """The per-kind rules of cloud-api.md §8 (a JPEG is no sticker, images stop at 5 MB)."""
    if kind not in kinds_for(upload.mime_type):
        raise UnsupportedMedia(f"A {upload.mime_type} file cannot be sent as {kind.value}")
    limit = max_bytes_for(kind, animated=upload.is_animated)
    if upload.size > limit:
        raise UnsupportedMedia(f"WhatsApp accepts {kind.value} files up to {_human(limit)}")


async def mark_attached(session: AsyncSession, *, upload_id: uuid.UUID, at: datetime) -> bool:
    """Records (in the caller's transaction) that a message takes the upload's file, so the
    clean-up of unsent uploads keeps it. False when the clean-up deleted the upload first.

    A write, not a read: on PostgreSQL the clean-up's DELETE waits for this row lock and then
    skips the row; on SQLite one of the two writers goes first."""
    result = await session.execute(
        update(Upload)
        .where(Upload.id == upload_id)
        .values(attached_at=func.coalesce(Upload.attached_at, at))
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size // (1024 * 1024)} MB"
    return f"{size // 1024} KB"


@dataclass(frozen=True, slots=True)
class StoredMedia:
    key: str
    mime_type: str
    filename: str | None


async def stored_media(
    session: AsyncSession, *, message_id: uuid.UUID, user: Principal | None
) -> StoredMedia:
    """A message's stored file, for `user` if they may see its conversation (None: the
    caller holds a valid signed link). 404 in every other case."""
    message = await session.get(Message, message_id)
    if message is None or not message.media_path or message.media_status != MediaStatus.READY:
        raise MediaNotFound("Media not found")
    if user is not None:
        conversation = await session.get(Conversation, message.conversation_id)
        if conversation is None or not can_see(
            user, team_id=conversation.team_id, assignee_id=conversation.assignee_id
        ):
            raise MediaNotFound("Media not found")
    return StoredMedia(
        key=message.media_path,
        mime_type=message.media_mime_type or "application/octet-stream",
        filename=message.media_filename,
    )
