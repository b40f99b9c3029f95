"""The inbound media fetcher: downloads what customers send before Meta forgets it.

For each pending media message it asks Meta for a download URL (valid 5 minutes), downloads
the file with the number's token, checks its size and SHA-256 against Meta's, and stores it
(media/storage.py). A URL that expired meanwhile (404) is looked up again at once. Failures
are retried with backoff; after the last attempt, or on a permanent error (the media id is
gone: Meta keeps inbound media 7 days), the message shows `media.status = "failed"`. Ready
and failed both publish `message:updated`.

It runs next to the outbox sender (embedded in `atende serve`, or in `atende worker`) and
starts the other media job beside it: the sweep of unsent uploads (media/cleanup.py).
Meta is never called inside a transaction: claim + commit, download, then record + commit.
"""

import asyncio
import base64
import binascii
import contextlib
import hmac
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from atende.core.config import Settings
from atende.core.db import Database, commit
from atende.core.types import utcnow
from atende.media import fetch_store
from atende.media.cleanup import UploadSweeper
from atende.media.constants import MAX_DOWNLOAD_BYTES, base_mime
from atende.media.fetch_store import MediaJob
from atende.media.storage import MediaStorage, StorageError, inbound_key, staging_file
from atende.messages.outbox import backoff_delay
from atende.numbers.models import Number
from atende.numbers.service import access_token_for
from atende.whatsapp.client import (
    DownloadedMedia,
    GraphClient,
    base_url_for,
    token_or_simulator,
)
from atende.whatsapp.exceptions import WhatsAppError
from atende.whatsapp.schemas import MediaUrlResponse

logger = logging.getLogger(__name__)

DRAIN_SECONDS = 30.0
# A download URL that answers these has expired (cloud-api.md §8): look the id up again.
EXPIRED_URL_STATUSES = frozenset({404, 410})


class MediaCheckFailed(Exception):
    """The downloaded bytes are not what Meta described (size or hash): fetch again."""


def digest_matches(expected: str, digest: bytes) -> bool:
    """Meta gives hashes in base64 (webhooks) and sometimes in hex; either may match."""
    value = expected.strip()
    candidates: list[bytes] = []
    if len(value) == 64:
        with contextlib.suppress(ValueError):
            candidates.append(bytes.fromhex(value))
    with contextlib.suppress(binascii.Error, ValueError):
        candidates.append(base64.b64decode(value + "=" * (-len(value) % 4), validate=True))
    with contextlib.suppress(binascii.Error, ValueError):
        candidates.append(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    return any(hmac.compare_digest(c, digest) for c in candidates)


@dataclass(slots=True)
class FetchStats:
    ready: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    lost: int = 0


@dataclass(frozen=True, slots=True)
class _Stored:
    key: str
    size: int
    mime_type: str


class MediaFetcher:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        graph: GraphClient,
        storage: MediaStorage,
        secret: str,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.graph = graph
        self.storage = storage
        self._secret = secret
        self._clock = clock
        self._rng = rng or random.Random()
        self.concurrency = max(1, settings.media_concurrency)
        self._lease = timedelta(seconds=settings.media_claim_seconds)
        self._inflight: set[asyncio.Task[None]] = set()
        self._signal = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.totals = FetchStats()
        self.upload_sweeper = UploadSweeper(db, settings, storage=storage, clock=clock)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="media-fetcher")
        self.upload_sweeper.start()

    async def stop(self) -> None:
        self.request_stop()
        await self.upload_sweeper.stop()
        if self._task is not None:
            await self._task
            self._task = None

    def request_stop(self) -> None:
        self._stopping = True
        self._signal.set()

    def wake(self) -> None:
        self._signal.set()

    async def run(self) -> None:
        try:
            while not self._stopping:
                self._signal.clear()
                free = self.concurrency - len(self._inflight)
                if free > 0:
                    try:
                        jobs = await self._claim(free)
                    except Exception:
                        logger.exception("media claim failed")
                        await self._wait(1.0)
                        continue
                    for job in jobs:
                        task = asyncio.create_task(self._run_job(job))
                        self._inflight.add(task)
                        task.add_done_callback(self._job_done)
                    if jobs and len(jobs) == free:
                        continue
                await self._wait(self.settings.media_poll_seconds)
        finally:
            await self._drain()

    async def run_once(self, limit: int | None = None) -> FetchStats:
        """Claims one batch and processes it to the end (tests and one-shot drains)."""
        jobs = await self._claim(limit or self.concurrency)
        stats = FetchStats()
        for outcome in await asyncio.gather(*(self._process(job) for job in jobs)):
            setattr(stats, outcome, getattr(stats, outcome) + 1)
        return stats

    # -- the job ---------------------------------------------------------------------------

    async def _claim(self, limit: int) -> list[MediaJob]:
        async with self.db.session() as session:
            jobs = await fetch_store.claim(
                session, now=self._clock(), lease=self._lease, limit=limit
            )
            await commit(session)
        return jobs

    def _job_done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._signal.set()

    async def _run_job(self, job: MediaJob) -> None:
        try:
            await self._process(job)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await self._record(job, "released", fetch_store.release, now=self._clock())
            raise

    async def _process(self, job: MediaJob) -> str:
        """Fetches and stores one file, records the outcome; returns its FetchStats name."""
        try:
            stored = await self._fetch(job)
        except asyncio.CancelledError:
            raise
        except WhatsAppError as e:
            return await self._after_error(job, e.title, retryable=e.retryable, after=e.retry_after)
        except MediaCheckFailed as e:
            return await self._after_error(job, str(e), retryable=True)
        except StorageError as e:
            logger.warning("media storage failed", extra={"message_id": str(job.message_id)})
            return await self._after_error(job, f"Could not store the file ({e})", retryable=True)
        except Exception:
            logger.exception("media fetch crashed", extra={"message_id": str(job.message_id)})
            return await self._after_error(job, "Internal error while fetching", retryable=True)
        return await self._record(
            job,
            "ready",
            fetch_store.record_ready,
            key=stored.key,
            size=stored.size,
            mime_type=stored.mime_type,
        )

    async def _fetch(self, job: MediaJob) -> _Stored:
        if not job.media_id:
            raise WhatsAppError("The message carries no media id")
        token = token_or_simulator(
            access_token_for(
                Number(access_token_encrypted=job.access_token_encrypted),
                secret=self._secret,
                default=self.settings.whatsapp_token,
            ),
            is_simulated=job.is_simulated,
        )
        base_url = base_url_for(self.settings, is_simulated=job.is_simulated)

        async def lookup() -> MediaUrlResponse:
            assert job.media_id is not None
            return await self.graph.get_media_url(
                job.media_id, token, phone_number_id=job.phone_number_id, base_url=base_url
            )

        async def download(path: Path) -> tuple[MediaUrlResponse, DownloadedMedia]:
            info = await lookup()
            for again in (False, True):
                with path.open("wb") as sink:
                    try:
                        return info, await self.graph.download_media(
                            info.url, token, sink, max_bytes=MAX_DOWNLOAD_BYTES
                        )
                    except WhatsAppError as e:
                        if e.http_status not in EXPIRED_URL_STATUSES:
                            raise
                        if again:
                            raise WhatsAppError(
                                "The media URL expired twice in a row",
                                http_status=e.http_status,
                                retryable=True,
                            ) from e
                info = await lookup()
            raise AssertionError("unreachable")

        with staging_file(self.settings) as path:
            info, downloaded = await download(path)
            if info.file_size is not None and info.file_size != downloaded.size:
                raise MediaCheckFailed(
                    f"Downloaded {downloaded.size} bytes, Meta announced {info.file_size}"
                )
            for expected in (job.sha256, info.sha256):
                if expected and not digest_matches(expected, downloaded.sha256):
                    raise MediaCheckFailed("The file's SHA-256 does not match Meta's")
            mime_type = (
                job.mime_type
                or info.mime_type
                or base_mime(downloaded.content_type)
                or "application/octet-stream"
            )
            key = inbound_key(job.message_id)
            await self.storage.put_file(key, path, content_type=mime_type)
        return _Stored(key=key, size=downloaded.size, mime_type=mime_type)

    async def _after_error(
        self, job: MediaJob, error: str, *, retryable: bool, after: float | None = None
    ) -> str:
        if retryable and job.attempts < self.settings.media_max_attempts:
            delay = backoff_delay(
                job.attempts,
                base=self.settings.media_backoff_base_seconds,
                cap=self.settings.media_backoff_cap_seconds,
                retry_after=after,
                rng=self._rng,
            )
            logger.info(
                "media fetch will be retried",
                extra={
                    "message_id": str(job.message_id),
                    "attempt": job.attempts,
                    "error": error,
                    "delay": round(delay, 3),
                },
            )
            at = self._clock() + timedelta(seconds=delay)
            return await self._record(job, "retried", fetch_store.record_retry, at=at, error=error)
        logger.warning(
            "media fetch failed",
            extra={"message_id": str(job.message_id), "attempt": job.attempts, "error": error},
        )
        return await self._record(job, "failed", fetch_store.record_failed, error=error)

    async def _record(
        self,
        job: MediaJob,
        outcome: str,
        write: Callable[..., Awaitable[bool]],
        **kwargs: Any,
    ) -> str:
        async with self.db.session() as session:
            done = await write(session, job, **kwargs)
            await commit(session)
        name = outcome if done else "lost"
        setattr(self.totals, name, getattr(self.totals, name) + 1)
        return name

    # -- shutdown --------------------------------------------------------------------------

    async def _drain(self) -> None:
        if self._inflight:
            await asyncio.wait(list(self._inflight), timeout=DRAIN_SECONDS)
        for task in list(self._inflight):
            task.cancel()
        if self._inflight:
            await asyncio.wait(list(self._inflight), timeout=5.0)

    async def _wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._signal.wait(), seconds)
