"""The outbox sender: claims queued messages, calls the Graph API, records the results.

Pipelined for throughput: claims come in batches, each message is sent by its own task (at
most `send_concurrency` in flight, paced by the per-number rate limiter), and results are
written in batches by a single recorder task while new sends go on. Meta is never called
inside a transaction: claim + commit, call, then record + commit.

Each number has a lane (outbox_lanes.py): a fair share of the slots and of the claims, and a
circuit, so a number that Meta throttles, fails or leaves hanging never holds up the others.

Retries use exponential backoff with full jitter, never sooner than Meta's Retry-After;
a throughput error (130429, 4, 80007, HTTP 429) also blocks the whole number until then (in
every sender process, through the rate limiter), while a pair-rate error (131056) only delays
its own message.
"""

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from atende.core.config import Settings
from atende.core.db import Database, commit
from atende.core.types import utcnow
from atende.media import outbound as media_outbound
from atende.media.storage import MediaStorage, storage_from_settings
from atende.messages import outbox_store
from atende.messages.outbox_lanes import Job, Lane, Lanes
from atende.messages.outbox_store import Claim, ClaimedMessage, RecordStats, ResultKind, SendResult
from atende.numbers.models import Number
from atende.numbers.service import access_token_for
from atende.whatsapp.client import GraphClient, base_url_for, token_or_simulator
from atende.whatsapp.exceptions import WhatsAppError
from atende.whatsapp.ratelimit import RateLimiter, RedisRateLimiter, TokenBucket, wait_for_slot

logger = logging.getLogger(__name__)

# A call never starts later than this before its lease ends (connect 5 s + read 15 s + slack),
# so no other sender can claim a message while a call for it may still be running.
SEND_MARGIN_SECONDS = 25.0
MAX_RECORD_BATCH = 500
DRAIN_SECONDS = 30.0


def backoff_delay(
    attempt: int, *, base: float, cap: float, retry_after: float | None, rng: random.Random
) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))], and never sooner than
    Meta's Retry-After."""
    delay = rng.uniform(0.0, min(cap, base * 2 ** max(0, attempt - 1)))
    return max(delay, retry_after) if retry_after is not None else delay


def limiter_from_settings(settings: Settings) -> RateLimiter:
    """Redis-backed when REDIS_URL is set, so the limit holds across worker processes."""
    if settings.redis_url:
        return RedisRateLimiter.from_url(settings.redis_url)
    return TokenBucket()


__all__ = ["Job", "OutboxSender", "backoff_delay", "limiter_from_settings"]


class OutboxSender:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        graph: GraphClient,
        limiter: RateLimiter,
        secret: str,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        storage: MediaStorage | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.graph = graph
        self.limiter = limiter
        # Media messages upload their file to Meta before the send.
        self.storage = storage or storage_from_settings(settings)
        self._secret = secret
        self._clock = clock
        self._rng = rng or random.Random()
        self.batch_size = max(1, settings.send_batch_size)
        self.concurrency = max(1, settings.send_concurrency)
        self._lease = timedelta(seconds=settings.send_claim_seconds)
        self._margin = min(SEND_MARGIN_SECONDS, settings.send_claim_seconds / 2)
        self._tokens: dict[str | None, str] = {}
        # Per number: claimed jobs waiting for a slot, calls in flight, circuit.
        self._lanes = Lanes(concurrency=self.concurrency, batch_size=self.batch_size)
        self._inflight: dict[asyncio.Task[None], Job] = {}
        # time.monotonic() before which a claim that only looks for other numbers is not worth
        # it (the last one found nothing more).
        self._idle_until = 0.0
        self._results: list[SendResult] = []
        self._results_ready = asyncio.Event()
        self._signal = asyncio.Event()
        self._stopping = False
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self.totals = RecordStats()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Runs the loop as a background task (the embedded mode)."""
        self._task = asyncio.create_task(self.run(), name="outbox-sender")

    async def stop(self) -> None:
        """Stops claiming, lets calls in progress finish, releases what was not attempted."""
        self.request_stop()
        if self._task is not None:
            await self._task
            self._task = None

    def request_stop(self) -> None:
        self._stopping = True
        self._signal.set()

    def unstarted_claims(self) -> list[Claim]:
        """Claims held without a stored result whose send never started: none after a
        complete stop; what a stop cut short leaves, for `outbox_store.release`. A call that
        did start is left to its lease (sending it again could duplicate it)."""
        jobs = [*self._ready, *(j for j in self._inflight.values() if not j.calling)]
        held = {Claim(j.message.message_id, j.message.attempts) for j in jobs}
        held.update(
            Claim(r.message_id, r.attempts) for r in self._results if r.kind == ResultKind.RELEASED
        )
        return list(held)

    def wake(self) -> None:
        """A message was queued in this process: claim now instead of at the next poll."""
        self._idle_until = 0.0
        self._signal.set()

    @property
    def _ready(self) -> list[Job]:
        """Claimed jobs waiting for a slot, every number's."""
        return self._lanes.waiting()

    async def run(self) -> None:
        recorder = asyncio.create_task(self._record_loop(), name="outbox-recorder")
        # Up to one batch is claimed ahead of the free slots, so a finished send is replaced
        # at once instead of after the next claim's round trip.
        limit = self.concurrency + self.batch_size
        min_claim = max(1, self.batch_size // 2)
        try:
            while not self._stopping:
                self._signal.clear()
                self._fill()
                room = limit - len(self._inflight) - len(self._ready)
                # Slots are free that no claimed job may take (their numbers are at their
                # share, or blocked): other numbers' messages may be waiting.
                starved = (
                    len(self._inflight) < self.concurrency and time.monotonic() >= self._idle_until
                )
                if room >= min_claim or (room > 0 and starved):
                    want = min(room, self.batch_size)
                    try:
                        jobs = await self._claim(want, room=self._lanes.room(self._clock()))
                    except Exception:
                        logger.exception("outbox claim failed")
                        await self._wait(1.0)
                        continue
                    for job in jobs:
                        self._lanes[job.key].ready.append(job)
                    self._fill()
                    if len(jobs) == want:
                        continue
                    self._idle_until = time.monotonic() + self.settings.send_poll_seconds
                await self._wait(self.settings.send_poll_seconds)
        finally:
            await self._drain(recorder)

    async def run_once(self, limit: int | None = None) -> RecordStats:
        """Claims one batch, sends it and records the results (tests and one-shot drains)."""
        jobs = await self._claim(limit or self.batch_size)
        results = await asyncio.gather(*(self._attempt_safely(job) for job in jobs))
        return await self._record(list(results))

    async def aclose(self) -> None:
        await self.limiter.aclose()
        await self.storage.aclose()

    # -- claiming --------------------------------------------------------------------------

    async def _claim(self, limit: int, *, room: dict[str, int] | None = None) -> list[Job]:
        async with self.db.session() as session:
            claimed = await outbox_store.claim(
                session,
                now=self._clock(),
                lease=self._lease,
                limit=limit,
                room=room,
                default_room=self._lanes.depth if room is not None else None,
            )
            await commit(session)
        deadline = time.monotonic() + self._lease.total_seconds() - self._margin
        return [self._job(message, deadline) for message in claimed]

    def _job(self, message: ClaimedMessage, deadline: float) -> Job:
        token = self._tokens.get(message.access_token_encrypted)
        if token is None:
            number = Number(access_token_encrypted=message.access_token_encrypted)
            token = access_token_for(
                number, secret=self._secret, default=self.settings.whatsapp_token
            )
            self._tokens[message.access_token_encrypted] = token
        token = token_or_simulator(token, is_simulated=message.is_simulated)
        return Job(
            message=message,
            token=token,
            base_url=base_url_for(self.settings, is_simulated=message.is_simulated),
            rate=message.rate or self.settings.send_rate_per_second,
            deadline=deadline,
        )

    # -- sending ---------------------------------------------------------------------------

    def _fill(self) -> None:
        """Starts claimed jobs while there are free slots, taking the numbers in turns."""
        now = self._clock()
        for lane in self._lanes.all():
            if lane.ready and lane.is_blocked(now):
                self._release_waiting(lane)
        while len(self._inflight) < self.concurrency and not self._stopping:
            job = self._lanes.next_job(now, busy=len(self._inflight))
            if job is None:
                return
            task = asyncio.create_task(self._run_job(job))
            self._inflight[task] = job
            task.add_done_callback(self._job_done)

    def _release_waiting(self, lane: Lane) -> None:
        """A blocked number's waiting jobs go back to the queue until the block ends."""
        while lane.ready:
            job = lane.ready.popleft()
            self._push(self._result(job, ResultKind.RELEASED, retry_at=lane.blocked_until))

    def _job_done(self, task: asyncio.Task[None]) -> None:
        job = self._inflight.pop(task, None)
        if job is not None:
            self._lanes[job.key].inflight -= 1
        self._fill()
        self._signal.set()

    async def _run_job(self, job: Job) -> None:
        try:
            result = await self._attempt_safely(job)
        except asyncio.CancelledError:
            self._push(self._result(job, ResultKind.RELEASED))
            raise
        self._push(result)

    def _push(self, result: SendResult) -> None:
        self._results.append(result)
        self._results_ready.set()

    async def _attempt_safely(self, job: Job) -> SendResult:
        try:
            return await self._attempt(job)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception(
                "outbox send crashed", extra={"message_id": str(job.message.message_id)}
            )
            return self._after_error(
                job, WhatsAppError("Internal error while sending", retryable=True)
            )

    async def _attempt(self, job: Job) -> SendResult:
        message = job.message
        if not message.number_active:
            return self._after_error(job, WhatsAppError("The number is inactive"))
        if message.body is None:
            return self._after_error(job, WhatsAppError("The message has nothing to send"))
        key = message.phone_number_id
        lane = self._lanes[key]
        if not lane.may_call(self._clock()):
            # Blocked (throttled, or its circuit open), or being probed by another call: back
            # to the queue until then, no attempt spent.
            return self._held_back(job, lane)
        body = message.body
        if media_outbound.needs_upload(body):
            try:
                uploaded = await media_outbound.attach_media(
                    self.db,
                    self.graph,
                    self.storage,
                    message_id=message.message_id,
                    attempts=message.attempts,
                    body=body,
                    phone_number_id=message.phone_number_id,
                    token=job.token,
                    base_url=job.base_url,
                )
            except WhatsAppError as e:
                return self._after_error(job, e)
            # A lost claim, or an upload that outlasted the lease: the send waits for a
            # fresh claim (which reuses the saved media id).
            if uploaded is None or time.monotonic() > job.deadline:
                return self._result(job, ResultKind.RELEASED)
            body = uploaded
        retry = await wait_for_slot(
            self.limiter, key, job.rate, max_wait=job.deadline - time.monotonic()
        )
        if retry > 0:
            retry_at = self._clock() + timedelta(seconds=retry)
            return self._result(job, ResultKind.RELEASED, retry_at=retry_at)
        # Nothing is awaited from here to the call: the slot is used on time.
        if not lane.may_call(self._clock()):
            return self._held_back(job, lane)
        # The one call that tests a number whose circuit is not closed.
        probe = lane.probing = lane.half_open
        job.calling = True
        started = time.monotonic()
        try:
            response = await self.graph.send_message(
                message.phone_number_id, job.token, body, base_url=job.base_url
            )
        except WhatsAppError as e:
            until = lane.failed(
                e,
                now=self._clock(),
                started=started,
                base=self.settings.send_backoff_base_seconds,
                cap=self.settings.send_backoff_cap_seconds,
                rng=self._rng,
            )
            if until is not None:
                self._release_waiting(lane)
                await self._block(key, until)
            return self._after_error(job, e)
        finally:
            # Whatever ended the probe (even a crash or a stop), the next one may go.
            if probe:
                lane.probing = False
        lane.succeeded()
        return self._result(job, ResultKind.SENT, wamid=response.messages[0].id)

    def _held_back(self, job: Job, lane: Lane) -> SendResult:
        blocked = lane.is_blocked(self._clock())
        return self._result(
            job, ResultKind.RELEASED, retry_at=lane.blocked_until if blocked else None
        )

    async def _block(self, key: str, until: datetime) -> None:
        """Other sender processes stop calling the number too, until the same moment."""
        seconds = (until - self._clock()).total_seconds()
        logger.warning(
            "outbox number blocked",
            extra={"phone_number_id": key, "seconds": round(seconds, 3)},
        )
        try:
            await self.limiter.block(key, seconds)
        except Exception:
            logger.exception("outbox could not share a block", extra={"phone_number_id": key})

    def _after_error(self, job: Job, error: WhatsAppError) -> SendResult:
        attempts = job.message.attempts
        if error.retryable and attempts < self.settings.send_max_attempts:
            delay = backoff_delay(
                attempts,
                base=self.settings.send_backoff_base_seconds,
                cap=self.settings.send_backoff_cap_seconds,
                retry_after=error.retry_after,
                rng=self._rng,
            )
            logger.info(
                "outbox send will be retried",
                extra={
                    "message_id": str(job.message.message_id),
                    "attempt": attempts,
                    "code": error.code,
                    "error": error.title,
                    "delay": round(delay, 3),
                },
            )
            return self._result(
                job, ResultKind.RETRY, retry_at=self._clock() + timedelta(seconds=delay)
            )
        return self._result(
            job,
            ResultKind.FAILED,
            error_code=error.code,
            error_title=error.title[:512],
            error_details=error.details,
        )

    @staticmethod
    def _result(
        job: Job,
        kind: ResultKind,
        *,
        wamid: str | None = None,
        retry_at: datetime | None = None,
        error_code: int | None = None,
        error_title: str | None = None,
        error_details: str | None = None,
    ) -> SendResult:
        return SendResult(
            message_id=job.message.message_id,
            conversation_id=job.message.conversation_id,
            attempts=job.message.attempts,
            kind=kind,
            wamid=wamid,
            retry_at=retry_at,
            error_code=error_code,
            error_title=error_title,
            error_details=error_details,
        )

    # -- recording -------------------------------------------------------------------------

    async def _record(self, results: list[SendResult]) -> RecordStats:
        if not results:
            return RecordStats()
        started = time.perf_counter()
        async with self.db.session() as session:
            stats = await outbox_store.record(session, results, now=self._clock())
            await commit(session)
        for name in ("sent", "retried", "failed", "released", "lost"):
            setattr(self.totals, name, getattr(self.totals, name) + getattr(stats, name))
        logger.info(
            "outbox batch",
            extra={
                "sent": stats.sent,
                "retried": stats.retried,
                "failed": stats.failed,
                "released": stats.released,
                "lost": stats.lost,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return stats

    async def _record_loop(self) -> None:
        while True:
            await self._results_ready.wait()
            self._results_ready.clear()
            while self._results:
                batch = self._results[:MAX_RECORD_BATCH]
                del self._results[:MAX_RECORD_BATCH]
                try:
                    await self._record(batch)
                except Exception:
                    # Kept in memory and tried again; if the process dies, the lease expires
                    # and another sender resumes the messages.
                    logger.exception("outbox record failed", extra={"results": len(batch)})
                    self._results[:0] = batch
                    await asyncio.sleep(1.0)
            if self._closing and not self._inflight:
                return

    async def _drain(self, recorder: asyncio.Task[None]) -> None:
        # Sends still waiting for a slot are released; calls already made are awaited so
        # their wamids are kept (re-sending them would duplicate the message).
        for lane in self._lanes.all():
            while lane.ready:
                self._push(self._result(lane.ready.popleft(), ResultKind.RELEASED))
        for task, job in list(self._inflight.items()):
            if not job.calling:
                task.cancel()
        if self._inflight:
            await asyncio.wait(list(self._inflight), timeout=self.settings.shutdown_grace_seconds)
        for task in list(self._inflight):
            task.cancel()
        self._closing = True
        self._results_ready.set()
        try:
            await asyncio.wait_for(recorder, timeout=DRAIN_SECONDS)
        except TimeoutError:
            logger.error("outbox stopped before recording every result; leases will expire")

    async def _wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._signal.wait(), seconds)
