"""Sends committed events to the sockets allowed to receive them, across processes via Redis."""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
import socketio

from atende.core.config import Settings
from atende.core.db import Event

logger = logging.getLogger(__name__)


class PacketJson:
    """The JSON codec for socket.io packets and the Redis channel: orjson, so payloads that
    still hold datetimes or UUIDs are sent in the REST API's ISO/string form, not dropped."""

    @staticmethod
    def dumps(obj: Any, **_kwargs: Any) -> str:
        return orjson.dumps(obj, default=str).decode()

    @staticmethod
    def loads(data: str | bytes) -> Any:
        return orjson.loads(data)


class Packet(socketio.packet.Packet):  # type: ignore[misc]
    # A subclass, so the codec is not swapped for every socket.io user in the process.
    json = PacketJson
    # Events are JSON documents, never bytes: skip the walk of every payload looking for
    # binary attachments (about a tenth of the emit's cost for a conversation event).
    uses_binary_events = False


class BufferedRedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    """The Redis manager, with publishing taken off the emitter's path.

    socket.io delivers to this process's sockets inside `emit` and then publishes the packet
    for the other processes. Here that publish only queues it: one task sends the queue in a
    pipeline, so a burst of events costs one Redis round trip, order is kept, and a request
    that just committed never waits on Redis. A dead Redis costs a logged, dropped fan-out
    (clients catch up through the REST API), never a slow or failed request.

    Listening for the other processes' events resumes within LISTEN_RETRY_MAX_SECONDS of
    Redis coming back: socket.io's own listener doubles its wait after each failed attempt up
    to a minute, so after a long outage fan-out would stay off for up to a minute more.
    """

    MAX_QUEUED = 10_000
    FLUSH_TIMEOUT_SECONDS = 5.0
    LISTEN_RETRY_MAX_SECONDS = 2.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._queued: list[str] = []
        self._flusher: asyncio.Task[None] | None = None
        # Events dropped since Redis last took a publish: the outage is logged once, with its
        # toll when Redis is back, not once per request.
        self._dropped = 0

    async def _publish(self, data: Any) -> None:
        if len(self._queued) >= self.MAX_QUEUED:
            # Redis has been unreachable for a while: keep the newest events.
            del self._queued[: len(self._queued) - self.MAX_QUEUED + 1]
        self._queued.append(self.json.dumps(data))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            for attempt in (1, 2):
                try:
                    await asyncio.wait_for(self._send(batch), self.FLUSH_TIMEOUT_SECONDS)
                except Exception as exc:  # any Redis or network failure
                    # Reconnect on the next attempt; the second failure drops the batch.
                    self.connected = False
                    if attempt == 2:
                        self._dropped_batch(len(batch), exc)
                    continue
                if self._dropped:
                    logger.warning(
                        "Publishing to redis again: %d realtime events were not fanned out",
                        self._dropped,
                    )
                    self._dropped = 0
                break

    def _dropped_batch(self, count: int, exc: Exception) -> None:
        if self._dropped:
            logger.debug("Still cannot publish to redis", extra={"events": count})
        else:
            logger.error(
                "Cannot publish to redis: realtime events are not fanned out until it is back "
                "(%d so far)",
                count,
                extra={"redis_exception": str(exc)},
            )
        self._dropped += count

    async def _send(self, batch: list[str]) -> None:
        if not self.connected:
            self._redis_connect()
        async with self.redis.pipeline(transaction=False) as pipe:
            for message in batch:
                pipe.publish(self.channel, message)
            await pipe.execute()

    async def drain(self) -> None:
        """Wait until what was queued so far has been sent (or given up on)."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)

    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        delay = self.LISTEN_RETRY_MAX_SECONDS / 4
        down_since: float | None = None
        while True:
            try:
                self._redis_connect()
                await self.pubsub.subscribe(self.channel)
                if down_since is not None:
                    logger.warning(
                        "Listening to redis again: realtime events fan out across processes",
                        extra={"down_seconds": round(time.monotonic() - down_since, 1)},
                    )
                    down_since = None
                    delay = self.LISTEN_RETRY_MAX_SECONDS / 4
                async for message in self.pubsub.listen():
                    yield message
            except Exception as exc:  # any Redis or network failure
                if down_since is None:
                    down_since = time.monotonic()
                    # Once per outage; the retries that follow are only logged at debug level.
                    logger.warning(
                        "Cannot receive from redis: events from other processes are not "
                        "delivered until it is back",
                        extra={"redis_exception": str(exc)},
                    )
                else:
                    logger.debug("Still cannot receive from redis", exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.LISTEN_RETRY_MAX_SECONDS)


def redis_manager(settings: Settings, *, write_only: bool = False) -> Any:
    """The socket.io client manager that fans events out through Redis (None without Redis)."""
    if not settings.redis_url:
        return None
    return BufferedRedisManager(
        settings.redis_url,
        channel=settings.realtime_channel,
        write_only=write_only,
        json=PacketJson,
        redis_options={"socket_connect_timeout": 2},
    )


class SocketIOSink:
    """Emits each committed event to the union of its rooms.

    python-socketio merges the members of a list of rooms into one set of sids, so a socket
    that is in several of the rooms (a supervisor who is also a team member) gets it once.
    """

    def __init__(self, emitter: Any) -> None:
        # A `socketio.AsyncServer`, or a write-only `AsyncRedisManager` in a process that
        # serves no sockets (a separate outbox worker): both take the same emit arguments.
        self._emitter = emitter

    async def drain(self) -> None:
        """Wait for the Redis publishes queued so far (before a process exits)."""
        manager = getattr(self._emitter, "manager", self._emitter)
        if isinstance(manager, BufferedRedisManager):
            await manager.drain()

    async def __call__(self, events: list[Event]) -> None:
        for event in events:
            # An empty room list would mean "everyone" to socket.io.
            if not event.rooms:
                continue
            try:
                await self._emitter.emit(
                    event.name, event.payload, to=sorted(event.rooms), namespace="/"
                )
            except Exception:
                # The data is committed; clients catch up through the REST API on reconnect.
                logger.exception("realtime emit failed", extra={"event": event.name})


def redis_sink(settings: Settings) -> SocketIOSink | None:
    """A sink for processes without a socket server: it publishes through Redis to the api
    processes, which deliver to their sockets. None without REDIS_URL (nobody to reach)."""
    manager = redis_manager(settings, write_only=True)
    return SocketIOSink(manager) if manager is not None else None
