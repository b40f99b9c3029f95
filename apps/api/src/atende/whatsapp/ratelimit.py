"""Per-number send rate limits (Meta: 80 messages/s per number by default, cloud-api.md §11).

Both limiters are token buckets in GCRA form: each call reserves the next free slot and
returns how long to wait for it, so concurrent senders queue fairly without polling. With the
default burst of 1 the slots are evenly spaced, 2% under the rate. A sender that wakes up
more than that 2% of a second after its slot (a busy event loop) takes a new slot instead of
sending late, since a late send next to an on-time one could put `rate + 1` sends in one
second; so no window of one second ever holds more than `rate` sends, across processes too.

A number can also be blocked (Meta's Retry-After on a throughput error): no slot is handed out
before the block ends, and a sender that was already waiting for an earlier slot gives up.
`RedisRateLimiter` keeps slots and blocks in Redis so both hold across worker processes;
`TokenBucket` is the in-process one used without Redis.
"""

import asyncio
import logging
import math
import time
from collections.abc import Callable
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

HEADROOM = 1.02
# A sender that wakes up later than this after its slot takes a new one (see above).
LATE_SECONDS = HEADROOM - 1.0
# After a failed Redis call, the limiter works per process this long before trying Redis
# again: a dead (or unreachable) Redis costs one failed call a second, not one per send.
REDIS_RETRY_SECONDS = 1.0


class RateLimiter(Protocol):
    async def reserve(self, key: str, rate: float) -> float:
        """Reserve one send for `key`; returns the seconds to wait before sending."""
        ...

    async def block(self, key: str, seconds: float) -> None:
        """No send for `key` in the next `seconds` (slots start after that)."""
        ...

    async def blocked(self, key: str) -> float:
        """Seconds left of the block on `key` (0.0 when not blocked)."""
        ...

    async def aclose(self) -> None: ...


class TokenBucket:
    def __init__(self, *, burst: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = max(1, burst)
        self._clock = clock
        # Theoretical arrival time of the next send, per key.
        self._tat: dict[str, float] = {}
        self._blocked: dict[str, float] = {}

    async def reserve(self, key: str, rate: float) -> float:
        return self.reserve_now(key, rate)

    def reserve_now(self, key: str, rate: float) -> float:
        interval = HEADROOM / rate
        now = self._clock()
        tat = max(self._tat.get(key, now), now)
        self._tat[key] = tat + interval
        return max(0.0, tat - (self.burst - 1) * interval - now)

    async def block(self, key: str, seconds: float) -> None:
        self.block_now(key, seconds)

    def block_now(self, key: str, seconds: float) -> None:
        until = self._clock() + max(0.0, seconds)
        self._blocked[key] = max(self._blocked.get(key, until), until)
        self._tat[key] = max(self._tat.get(key, until), until)

    async def blocked(self, key: str) -> float:
        return self.blocked_now(key)

    def blocked_now(self, key: str) -> float:
        until = self._blocked.get(key)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            del self._blocked[key]
            return 0.0
        return left

    async def aclose(self) -> None:
        return None


# Reserve the next slot, in microseconds of Redis' own clock (one clock for every process).
_GCRA = """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
local ttl = math.ceil((new_tat - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', ttl)
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
return {wait, tat}
"""

# Block a key for ARGV[1] microseconds: slots start after the block, and KEYS[2] marks it.
_BLOCK = """
local block = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local till = now + block
local ms = math.ceil(block / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < till then
  redis.call('SET', KEYS[1], string.format('%.0f', till), 'PX', ms + 1000)
end
if redis.call('PTTL', KEYS[2]) < ms then
  redis.call('SET', KEYS[2], '1', 'PX', ms)
end
return ms
"""


class RedisRateLimiter:
    def __init__(
        self, redis: "Redis[bytes]", *, prefix: str = "atende:rate", burst: int = 1
    ) -> None:
        # Any: the installed redis client has `aclose`, its type stubs do not yet.
        self._redis: Any = redis
        self._prefix = prefix
        self.burst = max(1, burst)
        self._script = redis.register_script(_GCRA)
        self._block = redis.register_script(_BLOCK)
        # Keeps sending (at the per-process rate) while Redis is unreachable.
        self._fallback = TokenBucket(burst=burst)
        self._down = False
        self._retry_at = 0.0

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str = "atende:rate", burst: int = 1
    ) -> "RedisRateLimiter":
        redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        return cls(redis, prefix=prefix, burst=burst)

    async def reserve(self, key: str, rate: float) -> float:
        if not self._reachable():
            return self._fallback.reserve_now(key, rate)
        try:
            wait, _slot = await self.reserve_slot(key, rate)
        except RedisError:
            self._failed()
            return self._fallback.reserve_now(key, rate)
        self._succeeded()
        return wait

    async def reserve_slot(self, key: str, rate: float) -> tuple[float, float]:
        """(seconds to wait, the reserved slot in Redis' clock as Unix seconds)."""
        interval = math.ceil(1_000_000 * HEADROOM / rate)
        tolerance = (self.burst - 1) * interval
        wait_us, slot_us = await self._script(keys=[self._key(key)], args=[interval, tolerance])
        return int(wait_us) / 1_000_000, int(slot_us) / 1_000_000

    async def block(self, key: str, seconds: float) -> None:
        # Kept in the process as well, for while Redis is unreachable.
        self._fallback.block_now(key, seconds)
        micros = math.ceil(seconds * 1_000_000)
        if micros <= 0 or not self._reachable():
            return
        try:
            await self._block(keys=[self._key(key), self._block_key(key)], args=[micros])
        except RedisError:
            self._failed()
            return
        self._succeeded()

    async def blocked(self, key: str) -> float:
        if not self._reachable():
            return self._fallback.blocked_now(key)
        try:
            left_ms = int(await self._redis.pttl(self._block_key(key)))
        except RedisError:
            self._failed()
            return self._fallback.blocked_now(key)
        self._succeeded()
        # -2: no such key, -1: no expiry (never set so).
        return max(left_ms, 0) / 1000

    def _reachable(self) -> bool:
        return not self._down or time.monotonic() >= self._retry_at

    def _failed(self) -> None:
        if not self._down:
            # Once per outage, not once per send.
            logger.warning(
                "rate limiter: redis unavailable, limiting per process until it is back",
                exc_info=True,
            )
        self._down = True
        self._retry_at = time.monotonic() + REDIS_RETRY_SECONDS

    def _succeeded(self) -> None:
        if self._down:
            self._down = False
            logger.info("rate limiter: redis reachable again")

    def _key(self, key: str) -> str:
        return f"{self._prefix}:{key}"

    def _block_key(self, key: str) -> str:
        return f"{self._prefix}:{key}:blocked"

    async def aclose(self) -> None:
        await self._redis.aclose()


async def acquire(limiter: RateLimiter, key: str, rate: float, *, max_wait: float) -> bool:
    """Waits for a send slot; False when there is none within `max_wait` (see `wait_for_slot`)."""
    return await wait_for_slot(limiter, key, rate, max_wait=max_wait) == 0.0


async def wait_for_slot(limiter: RateLimiter, key: str, rate: float, *, max_wait: float) -> float:
    """Waits for a send slot and returns 0.0: the caller sends now, without awaiting anything
    else first. Otherwise returns at once with the seconds after which to try again: the slot
    is further than `max_wait` away (e.g. beyond the outbox claim's lease), or the number was
    blocked while this sender waited."""
    if rate <= 0:
        return 0.0
    deadline = time.monotonic() + max_wait
    while True:
        wait = await limiter.reserve(key, rate)
        slot = time.monotonic() + wait
        if slot > deadline:
            return max(wait, LATE_SECONDS)
        if wait > 0:
            await asyncio.sleep(wait)
            left = await limiter.blocked(key)
            if left > 0:
                return left
        if time.monotonic() - slot <= LATE_SECONDS:
            return 0.0
