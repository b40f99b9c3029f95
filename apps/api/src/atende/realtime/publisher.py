"""Sends committed events to the sockets allowed to receive them, across processes via Redis."""

import logging
from typing import Any

import orjson
import socketio

from atende.core.config import Settings
from atende.core.db import Event, Sink

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


def redis_manager(settings: Settings, *, write_only: bool = False) -> Any:
    """The socket.io client manager that fans events out through Redis (None without Redis)."""
    if not settings.redis_url:
        return None
    return socketio.AsyncRedisManager(
        settings.redis_url,
        channel=settings.realtime_channel,
        write_only=write_only,
        json=PacketJson,
        # A dead Redis must fail fast: the emit runs right after a request's commit.
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


def redis_sink(settings: Settings) -> Sink | None:
    """A sink for processes without a socket server: it publishes through Redis to the api
    processes, which deliver to their sockets. None without REDIS_URL (nobody to reach)."""
    manager = redis_manager(settings, write_only=True)
    return SocketIOSink(manager) if manager is not None else None
