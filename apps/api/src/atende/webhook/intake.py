"""Group commit for webhook deliveries.

Meta sends many small POSTs at once (often one update each), and per update the cost of a
transaction (BEGIN, lookups, COMMIT) dwarfs the cost of the rows. So deliveries that arrive
while earlier ones are being stored wait for the next transaction and share it: with the
database idle a delivery starts at once, under load transactions grow and throughput with
them. Every delivery is still answered only after the transaction holding it committed. If
a shared transaction fails, its deliveries are retried one by one, so one delivery's failure
never costs another its acknowledgement.
"""

import asyncio
import logging
from collections import deque
from dataclasses import dataclass

from atende.core.db import Database
from atende.webhook.directory import NumberDirectory
from atende.webhook.service import WebhookUnavailable, store
from atende.whatsapp.inbound import ParsedEnvelope

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class _Delivery:
    envelope: ParsedEnvelope
    size: int
    done: asyncio.Future[None]


class Intake:
    """Per-process intake: the number directory and the transactions in flight."""

    def __init__(
        self,
        db: Database,
        *,
        directory: NumberDirectory | None = None,
        concurrency: int | None = None,
        max_batch_updates: int = 500,
    ) -> None:
        self.db = db
        self.directory = directory or NumberDirectory()
        # SQLite has a single writer: more transactions would only wait on its lock.
        self.concurrency = concurrency or (1 if db.dialect == "sqlite" else 2)
        self.max_batch_updates = max_batch_updates
        self._queue: deque[_Delivery] = deque()
        self._running = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def receive(self, envelope: ParsedEnvelope) -> None:
        """Return once the envelope is committed; raise `WebhookUnavailable` if it was not."""
        if not envelope.changes and not envelope.others:
            return
        delivery = _Delivery(envelope, _size(envelope), asyncio.get_running_loop().create_future())
        self._queue.append(delivery)
        if self._running < self.concurrency:
            self._running += 1
            task = asyncio.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await delivery.done

    async def _drain(self) -> None:
        try:
            while self._queue:
                await self._store(self._take())
        finally:
            self._running -= 1

    def _take(self) -> list[_Delivery]:
        batch = [self._queue.popleft()]
        size = batch[0].size
        while self._queue and size + self._queue[0].size <= self.max_batch_updates:
            size += self._queue[0].size
            batch.append(self._queue.popleft())
        return batch

    async def _store(self, batch: list[_Delivery]) -> None:
        try:
            async with self.db.session() as session:
                await store(session, envelope=_merge(batch), directory=self.directory)
        except Exception as e:
            if len(batch) > 1:
                for delivery in batch:
                    await self._store([delivery])
                return
            if not isinstance(e, WebhookUnavailable):
                logger.exception("webhook delivery failed")
            _settle(batch[0], e)
            return
        for delivery in batch:
            _settle(delivery, None)


def _settle(delivery: _Delivery, error: BaseException | None) -> None:
    # The request may have gone (client disconnect); the data is committed regardless.
    if delivery.done.done():
        return
    if error is None:
        delivery.done.set_result(None)
    else:
        delivery.done.set_exception(error)


def _size(envelope: ParsedEnvelope) -> int:
    return max(1, sum(len(c.messages) + len(c.statuses) for c in envelope.changes))


def _merge(batch: list[_Delivery]) -> ParsedEnvelope:
    if len(batch) == 1:
        return batch[0].envelope
    merged = ParsedEnvelope()
    for delivery in batch:
        merged.changes.extend(delivery.envelope.changes)
        merged.others.extend(delivery.envelope.others)
        merged.skipped += delivery.envelope.skipped
    return merged
