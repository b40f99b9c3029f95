"""The outbox sender's lanes: one per WhatsApp number, so that one number that Meta throttles,
fails or leaves hanging never holds up the others.

A lane holds the number's claimed jobs waiting for a slot, its calls in flight and its circuit.

- Shares: a number with calls in flight starts another only while `reserve` slots stay free,
  so no number (say, one whose calls hang until the timeout) ever takes every slot; a number
  with none in flight may take any free slot. Free slots and claims go to the numbers in
  turns.
- Circuit: a throughput error (130429, 4, 80007, HTTP 429) blocks the number for Meta's
  Retry-After; `FAILURES_TO_OPEN` 5xx or timeouts in a row block it for an exponential,
  jittered time. While blocked, no call goes to the number and its waiting jobs go back to the
  queue without spending an attempt. Then a single call probes it (half-open): a success
  closes the circuit, a failure blocks the number again, for longer. A dead number is thus
  retried slowly, one message at a time, and its messages still fail once they have spent
  their attempts, with Meta's reason.
"""

import math
import random
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from atende.messages.outbox_store import ClaimedMessage
from atende.whatsapp.exceptions import PAIR_RATE_LIMIT, WhatsAppError

FAILURES_TO_OPEN = 3


@dataclass(slots=True)
class Job:
    message: ClaimedMessage
    token: str
    base_url: str
    rate: float
    # time.monotonic() after which the call may no longer start.
    deadline: float
    calling: bool = False

    @property
    def key(self) -> str:
        return self.message.phone_number_id


def reserve_for(concurrency: int) -> int:
    """Slots a number with calls in flight must leave free for the others: a quarter."""
    return max(1, concurrency // 4) if concurrency > 1 else 0


def number_backoff(strikes: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Equal jitter: half of the exponential step is fixed, so a blocked number is never
    probed again at once; the other half is random, so numbers (and processes) that failed
    together do not come back together."""
    step = min(cap, base * 2.0 ** max(0, strikes - 1))
    return step / 2 + rng.uniform(0.0, step / 2)


def is_number_failure(error: WhatsAppError) -> bool:
    """Meta or the path to it is failing (5xx, timeouts, transient codes), not this message."""
    return error.retryable and not error.is_throttle and error.code != PAIR_RATE_LIMIT


@dataclass(slots=True)
class Lane:
    ready: deque[Job] = field(default_factory=deque)
    inflight: int = 0
    # No call starts before this (the sender's clock): a throttle's pause or the open circuit.
    blocked_until: datetime | None = None
    # time.monotonic() of the last block: a call started before it has nothing new to say.
    blocked_at: float = -math.inf
    # 5xx/timeouts in a row, and blocks in a row (more than 0: the circuit is not closed).
    failures: int = 0
    strikes: int = 0
    probing: bool = False

    @property
    def claimed(self) -> int:
        return self.inflight + len(self.ready)

    @property
    def half_open(self) -> bool:
        return self.strikes > 0

    def is_blocked(self, now: datetime) -> bool:
        return self.blocked_until is not None and self.blocked_until > now

    def may_call(self, now: datetime) -> bool:
        """Not blocked, and no other probe out while half-open."""
        return not self.is_blocked(now) and not (self.half_open and self.probing)

    def succeeded(self) -> None:
        self.failures = self.strikes = 0
        self.probing = False

    def failed(
        self,
        error: WhatsAppError,
        *,
        now: datetime,
        started: float,
        base: float,
        cap: float,
        rng: random.Random,
    ) -> datetime | None:
        """Counts a failed call that started at `started` (time.monotonic()); returns until
        when the number is blocked when this failure blocks it."""
        self.probing = False
        if started < self.blocked_at:
            return None
        if error.is_throttle:
            self.strikes += 1
            pause = error.retry_after
            if pause is None:
                pause = number_backoff(self.strikes, base=base, cap=cap, rng=rng)
        elif is_number_failure(error):
            self.failures += 1
            if not self.half_open and self.failures < FAILURES_TO_OPEN:
                return None
            self.strikes += 1
            pause = number_backoff(self.strikes, base=base, cap=cap, rng=rng)
            if error.retry_after is not None:
                pause = max(pause, error.retry_after)
        else:
            # Meta answered about this message: the number itself is reachable.
            self.succeeded()
            return None
        until = now + timedelta(seconds=pause)
        self.blocked_until = max(self.blocked_until or until, until)
        self.blocked_at = time.monotonic()
        return self.blocked_until


class Lanes:
    """Every number's lane, in turn order (the last one served goes to the back)."""

    def __init__(self, *, concurrency: int, batch_size: int) -> None:
        self.concurrency = concurrency
        self.reserve = reserve_for(concurrency)
        # The most one number holds at once: its share of the slots plus a batch ahead.
        self.depth = concurrency - self.reserve + batch_size
        self._lanes: dict[str, Lane] = {}

    def __getitem__(self, key: str) -> Lane:
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = Lane()
        return lane

    def all(self) -> list[Lane]:
        return list(self._lanes.values())

    def waiting(self) -> list[Job]:
        return [job for lane in self._lanes.values() for job in lane.ready]

    def room(self, now: datetime) -> dict[str, int]:
        """How many more messages each known number may be given now (0: none)."""
        room: dict[str, int] = {}
        for key, lane in self._lanes.items():
            if lane.is_blocked(now):
                room[key] = 0
            elif lane.half_open:
                room[key] = 1 - lane.claimed
            else:
                room[key] = self.depth - lane.claimed
        return room

    def next_job(self, now: datetime, *, busy: int) -> Job | None:
        """Takes the next waiting job that may start, `busy` slots being taken, the numbers
        in turns; None when none may."""
        for key in list(self._lanes):
            lane = self._lanes[key]
            if not lane.ready or lane.is_blocked(now) or not self._may_start(lane, busy):
                continue
            lane.inflight += 1
            self._lanes[key] = self._lanes.pop(key)
            return lane.ready.popleft()
        return None

    def _may_start(self, lane: Lane, busy: int) -> bool:
        if lane.half_open:
            return lane.inflight == 0
        if lane.inflight == 0:
            return True
        return self.concurrency - busy - 1 >= self.reserve
