"""Unsent uploads: files an agent attached in the composer but never sent (removed, tab
closed, send refused). Once `upload_retention_hours` pass with no message taking the file,
the sweep deletes the upload's row, then its stored file.

Rows go first, in one short transaction, and files only after the commit, so no file is
deleted while a row could still hand it to a message. A send takes its upload with a write
(`media.service.mark_attached`) that this DELETE cannot overtake: whichever commits first
wins, and a send that loses answers `upload_not_found`. A file that cannot be deleted is
logged and left behind; nothing refers to it any more.

The sweep runs beside the inbound media downloads (media/fetcher.py), in whichever process
runs the outbox (`atende serve` or `atende worker`). Several processes may sweep at once:
each row is deleted, and its file removed, by exactly one of them.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from atende.core.config import Settings
from atende.core.db import Database, commit
from atende.core.periodic import PeriodicTask
from atende.core.types import utcnow
from atende.media.models import Upload
from atende.media.storage import MediaStorage

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 3600.0
FIRST_SWEEP_SECONDS = 60.0
BATCH_SIZE = 500


@dataclass(slots=True)
class SweepStats:
    deleted: int = 0
    files_failed: int = 0


async def delete_unsent_uploads(
    db: Database,
    storage: MediaStorage,
    *,
    older_than: datetime,
    batch_size: int = BATCH_SIZE,
) -> SweepStats:
    """Deletes every upload created before `older_than` that no message took, row and file."""
    stats = SweepStats()
    while True:
        unattached = (Upload.attached_at.is_(None), Upload.created_at < older_than)
        batch = select(Upload.id).where(*unattached).order_by(Upload.created_at).limit(batch_size)
        async with db.session() as session:
            # The conditions are repeated on the DELETE itself: PostgreSQL re-checks them on
            # a row a concurrent send just attached, and then leaves it.
            keys = list(
                await session.scalars(
                    delete(Upload)
                    .where(Upload.id.in_(batch), *unattached)
                    .returning(Upload.storage_key)
                    .execution_options(synchronize_session=False)
                )
            )
            await commit(session)
        for key in keys:
            try:
                await storage.delete(key)
            except Exception:
                stats.files_failed += 1
                logger.warning(
                    "could not delete an unsent upload's file", extra={"key": key}, exc_info=True
                )
        stats.deleted += len(keys)
        if len(keys) < batch_size:
            return stats


class UploadSweeper(PeriodicTask):
    """Deletes unsent uploads every `interval` seconds; off when the retention is 0."""

    task_name = "upload-sweeper"
    failure_message = "unsent uploads sweep failed"

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        storage: MediaStorage,
        clock: Callable[[], datetime] = utcnow,
        interval: float = SWEEP_SECONDS,
        first_delay: float = FIRST_SWEEP_SECONDS,
    ) -> None:
        super().__init__(interval=interval, first_delay=first_delay)
        self.db = db
        self.storage = storage
        self.retention = timedelta(hours=settings.upload_retention_hours)
        self._clock = clock

    def enabled(self) -> bool:
        return self.retention > timedelta(0) and super().enabled()

    async def run_once(self) -> SweepStats:
        return await delete_unsent_uploads(
            self.db, self.storage, older_than=self._clock() - self.retention
        )

    async def tick(self) -> None:
        stats = await self.run_once()
        if stats.deleted:
            logger.info(
                "unsent uploads deleted",
                extra={"deleted": stats.deleted, "files_failed": stats.files_failed},
            )
