"""Per-number send rate limits (Meta: 80 messages/s per number by default, cloud-api.md §11).

Both limiters are token buckets in GCRA form: each call reserves the next free slot and
returns how long to wait for it, so concurrent senders queue fairly without polling. With the
default burst of 1 the slots are evenly spaced, 1% under the rate, so no window of one second
holds more than `rate` of them (the headroom absorbs most network and scheduling jitter).
`RedisRateLimiter` keeps the slots in Redis so the limit holds across worker processes;
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

HEADROOM = 1.01


class RateLimiter(Protocol):
    async def reserve(self, key: str, rate: float) -> float:
        """Reserve one send for `key`; returns the seconds to wait before sending."""
        ...

    async def aclose(self) -> None: ...


class TokenBucket:
    def __init__(self, *, burst: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = max(1, burst)
        self._clock = clock
        # Theoretical arrival time of the next send, per key.
        self._tat: dict[str, float] = {}

    async def reserve(self, key: str, rate: float) -> float:
        return self.reserve_now(key, rate)

    def reserve_now(self, key: str, rate: float) -> float:
        interval = HEADROOM / rate
        now = self._clock()
        tat = max(self._tat.get(key, now), now)
        self._tat[key] = tat + interval
        return max(0.0, tat - (self.burst - 1) * interval - now)

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


class RedisRateLimiter:
    def __init__(
        self, redis: "Redis[bytes]", *, prefix: str = "atende:rate", burst: int = 1
    ) -> None:
        # Any: the installed redis client has `aclose`, its type stubs do not yet.
        self._redis: Any = redis
        self._prefix = prefix
        self.burst = max(1, burst)
        self._script = redis.register_script(_GCRA)
        # Keeps sending (at the per-process rate) while Redis is unreachable.
        self._fallback = TokenBucket(burst=burst)

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str = "atende:rate", burst: int = 1
    ) -> "RedisRateLimiter":
        redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        return cls(redis, prefix=prefix, burst=burst)

    async def reserve(self, key: str, rate: float) -> float:
        try:
            wait, _slot = await self.reserve_slot(key, rate)
        except RedisError:
            logger.warning("rate limiter: redis unavailable, limiting per process", exc_info=True)
            return self._fallback.reserve_now(key, rate)
        return wait

    async def reserve_slot(self, key: str, rate: float) -> tuple[float, float]:
        """(seconds to wait, the reserved slot in Redis' clock as Unix seconds)."""
        interval = math.ceil(1_000_000 * HEADROOM / rate)
        tolerance = (self.burst - 1) * interval
        wait_us, slot_us = await self._script(
            keys=[f"{self._prefix}:{key}"], args=[interval, tolerance]
        )
        return int(wait_us) / 1_000_000, int(slot_us) / 1_000_000

    async def aclose(self) -> None:
        await self._redis.aclose()


async def acquire(limiter: RateLimiter, key: str, rate: float, *, max_wait: float) -> bool:
    """Waits for a send slot; False (without waiting) when the slot is further than
    `max_wait` away, e.g. beyond the outbox claim's lease."""
    if rate <= 0:
        return True
    wait = await limiter.reserve(key, rate)
    if wait > max_wait:
        return False
    if wait > 0:
        await asyncio.sleep(wait)
    return True
