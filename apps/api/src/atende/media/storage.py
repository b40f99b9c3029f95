"""Where media files live: a folder on local disk (the default) or an S3 bucket.

Files are written once under a key (`inbound/…`, `uploads/…`) and never changed. Both
backends take a finished local file (downloads and uploads are staged on disk first, where
their size and hash are checked) and serve byte ranges, so audio and video can seek.
"""

import asyncio
import contextlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol

from atende.core.config import Settings

CHUNK_BYTES = 256 * 1024
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,500}$")


class StorageError(Exception):
    """The storage could not be read or written (retried by the callers that can)."""


def check_key(key: str) -> str:
    """Keys are ours (never user input), but a path must still never leave the root."""
    if not _KEY.match(key) or ".." in key.split("/"):
        raise StorageError(f"invalid storage key {key!r}")
    return key


def inbound_key(message_id: uuid.UUID) -> str:
    return f"inbound/{message_id}"


def upload_key(upload_id: uuid.UUID) -> str:
    return f"uploads/{upload_id}"


class MediaStorage(Protocol):
    async def put_file(self, key: str, path: Path, *, content_type: str) -> None:
        """Stores a finished local file under `key` (the local file is consumed)."""

    async def size(self, key: str) -> int | None:
        """The stored file's size, or None when there is none."""

    def iter_range(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        """Bytes `start..end` (inclusive) of the stored file."""

    def local_copy(self, key: str) -> AbstractAsyncContextManager[Path]:
        """A local path to the file's content while the context is open."""

    async def delete(self, key: str) -> None: ...

    async def aclose(self) -> None: ...


@contextlib.contextmanager
def _staged(directory: Path) -> Iterator[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix="stage-")
    os.close(fd)
    path = Path(name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def staging_file(settings: Settings) -> contextlib.AbstractContextManager[Path]:
    """An empty temporary file under the data folder, removed when the context ends."""
    return _staged(settings.data_dir / "tmp")


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put_file(self, key: str, path: Path, *, content_type: str) -> None:  # noqa: ARG002
        target = self._path(key)

        def move() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
            try:
                shutil.move(path, partial)
                # Readers never see a half-written file.
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)

        try:
            await asyncio.to_thread(move)
        except OSError as e:
            raise StorageError(f"could not store {key}: {e}") from e

    async def size(self, key: str) -> int | None:
        try:
            return (await asyncio.to_thread(self._path(key).stat)).st_size
        except FileNotFoundError:
            return None

    async def iter_range(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(self._path(key).open, "rb")
        try:
            await asyncio.to_thread(handle.seek, start)
            remaining = end - start + 1
            while remaining > 0:
                chunk = await asyncio.to_thread(handle.read, min(CHUNK_BYTES, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    @contextlib.asynccontextmanager
    async def local_copy(self, key: str) -> AsyncIterator[Path]:
        path = self._path(key)
        if not await asyncio.to_thread(path.is_file):
            raise StorageError(f"no stored file {key}")
        yield path

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def aclose(self) -> None:
        return None


class S3Storage:
    """Any S3-compatible store (AWS, MinIO, Ceph...). boto3 is synchronous: each call runs in
    a worker thread; its client is thread-safe."""

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        staging_dir: Path,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.staging_dir = staging_dir
        self._client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}),
        )

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def put_file(self, key: str, path: Path, *, content_type: str) -> None:
        try:
            await asyncio.to_thread(
                self._client.upload_file,
                str(path),
                self.bucket,
                self._key(key),
                ExtraArgs={"ContentType": content_type},
            )
        except Exception as e:
            raise StorageError(f"could not store {key}: {e}") from e
        await asyncio.to_thread(path.unlink, missing_ok=True)

    async def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            head = await asyncio.to_thread(
                self._client.head_object, Bucket=self.bucket, Key=self._key(key)
            )
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise StorageError(f"could not read {key}: {e}") from e
        return int(head["ContentLength"])

    async def iter_range(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        response = await asyncio.to_thread(
            self._client.get_object,
            Bucket=self.bucket,
            Key=self._key(key),
            Range=f"bytes={start}-{end}",
        )
        body = response["Body"]
        try:
            while True:
                chunk = await asyncio.to_thread(body.read, CHUNK_BYTES)
                if not chunk:
                    break
                yield chunk
        finally:
            await asyncio.to_thread(body.close)

    @contextlib.asynccontextmanager
    async def local_copy(self, key: str) -> AsyncIterator[Path]:
        with _staged(self.staging_dir) as path:
            try:
                await asyncio.to_thread(
                    self._client.download_file, self.bucket, self._key(key), str(path)
                )
            except Exception as e:
                raise StorageError(f"could not read {key}: {e}") from e
            yield path

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._client.delete_object, Bucket=self.bucket, Key=self._key(key))

    async def aclose(self) -> None:
        await asyncio.to_thread(self._client.close)


def storage_from_settings(settings: Settings) -> MediaStorage:
    if settings.s3_bucket:
        return S3Storage(
            bucket=settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            staging_dir=settings.data_dir / "tmp",
        )
    return LocalStorage(settings.resolved_media_dir)
