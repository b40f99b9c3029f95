"""Per-number rate limits: never more than N sends in any one-second window, in one process
(token bucket) and across processes (Redis, the real server at 127.0.0.1:6379)."""

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from atende.whatsapp.ratelimit import RedisRateLimiter, TokenBucket, acquire

REDIS_URL = "redis://127.0.0.1:6379/0"


def max_in_any_window(times: list[float], window: float = 1.0) -> int:
    """The most events in any half-open window [t, t + window)."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_token_bucket_spaces_sends_evenly() -> None:
    now = [100.0]
    bucket = TokenBucket(clock=lambda: now[0])
    waits = [bucket.reserve_now("n1", 10.0) for _ in range(25)]
    admitted = [now[0] + w for w in waits]
    assert waits[0] == 0.0
    assert max_in_any_window(admitted) <= 10
    # Keys are independent.
    assert bucket.reserve_now("n2", 10.0) == 0.0
    # Idle time is not banked into a burst.
    now[0] += 60
    assert [bucket.reserve_now("n1", 10.0) > 0 for _ in range(2)] == [False, True]


async def test_token_bucket_holds_under_concurrency() -> None:
    bucket = TokenBucket()
    admitted: list[float] = []

    async def send() -> None:
        assert await acquire(bucket, "n", 20.0, max_wait=10)
        admitted.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(send() for _ in range(30)))
    # The schedule itself is exact (test above); waking up adds only the loop's jitter.
    assert max_in_any_window(admitted) <= 21
    # ...and does not throttle below the rate either.
    assert time.monotonic() - started < 1.7


async def test_acquire_gives_up_beyond_max_wait() -> None:
    bucket = TokenBucket()
    assert await acquire(bucket, "n", 1.0, max_wait=0.5)
    assert not await acquire(bucket, "n", 1.0, max_wait=0.5)


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    prefix = f"atende-test:{uuid.uuid4().hex}"
    yield prefix
    redis = Redis.from_url(REDIS_URL)
    keys = [k async for k in redis.scan_iter(f"{prefix}:*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


async def test_redis_limiter_holds_across_processes(redis_prefix: str) -> None:
    """Three limiters (as three worker processes would hold) share one number's budget:
    the slots Redis hands out never put more than N in any one-second window."""
    limiters = [RedisRateLimiter.from_url(REDIS_URL, prefix=redis_prefix) for _ in range(3)]
    slots: list[float] = []
    admitted: list[float] = []

    async def send(limiter: RedisRateLimiter) -> None:
        wait, slot = await limiter.reserve_slot("106540352242922", 20.0)
        slots.append(slot)
        await asyncio.sleep(wait)
        admitted.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(send(limiters[i % 3]) for i in range(45)))
    elapsed = time.monotonic() - started
    for limiter in limiters:
        await limiter.aclose()
    assert len(set(slots)) == 45
    assert max_in_any_window(slots) <= 20
    # Waking up only adds the event loop's jitter to those slots.
    assert max_in_any_window(admitted) <= 21
    assert elapsed < 3.0  # 45 sends at 20/s: ~2.2 s


async def test_redis_limiter_falls_back_to_the_process_when_redis_is_down() -> None:
    limiter = RedisRateLimiter.from_url("redis://127.0.0.1:1/0", prefix="x")
    assert await limiter.reserve("n", 1.0) == 0.0
    assert await limiter.reserve("n", 1.0) > 0.5
    await limiter.aclose()


async def test_a_late_wake_up_takes_a_new_slot_instead_of_crowding_the_window() -> None:
    """A busy event loop wakes one sender up late, next to on-time ones: sending anyway
    would put eleven sends in one second at 10/s."""
    bucket = TokenBucket()
    admitted: list[float] = []

    async def send() -> None:
        assert await acquire(bucket, "n", 10.0, max_wait=10)
        admitted.append(time.monotonic())

    async def stall() -> None:
        # Slot 9 is due 0.92 s in; the loop is stuck from 0.87 s to 0.99 s.
        await asyncio.sleep(0.87)
        time.sleep(0.12)  # noqa: ASYNC251 (blocking on purpose)

    await asyncio.gather(stall(), *(send() for _ in range(21)))
    assert max_in_any_window(admitted) <= 10


async def test_a_dead_redis_is_logged_once_and_not_asked_on_every_send(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = RedisRateLimiter.from_url("redis://127.0.0.1:1/0", prefix="x")
    with caplog.at_level(logging.INFO, logger="atende.whatsapp.ratelimit"):
        for _ in range(50):
            await limiter.reserve("n", 1000.0)
            await limiter.blocked("n")
    await limiter.aclose()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
