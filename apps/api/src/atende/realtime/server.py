"""The Socket.IO gateway: token auth on connect, room joins, and disconnect when the token expires.

A socket joins `user:<id>`, `team:<id>` for each of the user's teams and `role:<ROLE>` when it
connects. Rooms are not recomputed while a socket stays connected: a change to a user's teams
or role applies from its next connection, which comes at the latest when the access token
expires (the server emits `auth:expired` and disconnects; the client refreshes and reconnects).
"""

import asyncio
import logging
import time
import uuid
from typing import Any

import socketio
from sqlalchemy.exc import SQLAlchemyError

from atende.core.config import Settings
from atende.core.db import Database
from atende.core.deps import Principal, load_principal
from atende.core.exceptions import Unauthorized
from atende.core.security import TokenExpired, decode_access_token
from atende.metrics.instruments import SOCKETIO_CONNECTIONS
from atende.realtime.events import AUTH_EXPIRED, principal_rooms
from atende.realtime.publisher import Packet, SocketIOSink, redis_manager

logger = logging.getLogger(__name__)

# Refusal reasons the client acts on: refresh the token and reconnect, or log in again.
UNAUTHORIZED = "unauthorized"
TOKEN_EXPIRED = "token_expired"
UNAVAILABLE = "unavailable"


def _quiet_logger(name: str) -> logging.Logger:
    # socket.io logs every emit at INFO; keep only its warnings and errors.
    log = logging.getLogger(name)
    log.setLevel(logging.WARNING)
    return log


class RealtimeGateway:
    """Owns the socket.io server; `start`/`stop` run in the application's lifespan."""

    def __init__(self, settings: Settings, *, jwt_secret: str) -> None:
        self._jwt_secret = jwt_secret
        self._cors_origins = frozenset(settings.cors_origins)
        self._database: Database | None = None
        self._sink: SocketIOSink | None = None
        self._expiry: dict[str, asyncio.Task[None]] = {}
        self._connected: set[str] = set()
        self.sio = socketio.AsyncServer(
            async_mode="asgi",
            client_manager=redis_manager(settings),
            cors_allowed_origins=self._origin_allowed,
            serializer=Packet,
            logger=_quiet_logger("atende.realtime.socketio"),
            engineio_logger=_quiet_logger("atende.realtime.engineio"),
        )
        self.sio.on("connect", self._connect)
        self.sio.on("disconnect", self._disconnect)

    def asgi_app(self, other_asgi_app: Any) -> Any:
        """`other_asgi_app` behind `/socket.io`; its lifespan still runs."""
        return socketio.ASGIApp(self.sio, other_asgi_app=other_asgi_app, socketio_path="socket.io")

    def start(self, database: Database) -> None:
        self._database = database
        self._sink = SocketIOSink(self.sio)
        database.publisher.sinks.append(self._sink)

    async def stop(self) -> None:
        if self._database is not None and self._sink in self._database.publisher.sinks:
            self._database.publisher.sinks.remove(self._sink)
        if self._sink is not None:
            await self._sink.drain()
        for task in self._expiry.values():
            task.cancel()
        self._expiry.clear()
        # The Redis manager listens in a background task for as long as the loop runs.
        listener = getattr(self.sio.manager, "thread", None)
        if isinstance(listener, asyncio.Task):
            listener.cancel()

    def _origin_allowed(self, origin: str | None, environ: dict[str, Any]) -> bool:
        if not origin or origin in self._cors_origins:
            return True
        # Same origin is always allowed (the web app served by this process or its proxy).
        host = str(environ.get("HTTP_X_FORWARDED_HOST") or environ.get("HTTP_HOST", ""))
        return origin.split("://", 1)[-1] == host.split(",")[0].strip()

    async def _connect(self, sid: str, _environ: dict[str, Any], auth: Any) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            raise socketio.exceptions.ConnectionRefusedError(UNAUTHORIZED)
        try:
            claims = decode_access_token(token, secret=self._jwt_secret)
            user_id = uuid.UUID(str(claims["sub"]))
        except TokenExpired as e:
            raise socketio.exceptions.ConnectionRefusedError(TOKEN_EXPIRED) from e
        except (Unauthorized, ValueError) as e:
            raise socketio.exceptions.ConnectionRefusedError(UNAUTHORIZED) from e
        principal = await self._load(user_id)
        if principal is None:
            raise socketio.exceptions.ConnectionRefusedError(UNAUTHORIZED)

        for room in principal_rooms(principal):
            await self.sio.enter_room(sid, room)
        delay = float(claims["exp"]) - time.time()
        self._expiry[sid] = asyncio.create_task(self._expire(sid, delay))
        self._connected.add(sid)
        SOCKETIO_CONNECTIONS.inc()

    async def _load(self, user_id: uuid.UUID) -> Principal | None:
        if self._database is None:
            raise socketio.exceptions.ConnectionRefusedError(UNAVAILABLE)
        try:
            async with self._database.session() as session:
                return await load_principal(session, user_id)
        except SQLAlchemyError as e:
            logger.warning("realtime connect: database unavailable", exc_info=True)
            raise socketio.exceptions.ConnectionRefusedError(UNAVAILABLE) from e

    async def _expire(self, sid: str, delay: float) -> None:
        await asyncio.sleep(max(delay, 0.0))
        # Tell the client why before closing, so it refreshes instead of retrying blindly.
        await self.sio.emit(
            AUTH_EXPIRED,
            {"code": TOKEN_EXPIRED, "message": "Access token expired"},
            to=sid,
            ignore_queue=True,
        )
        self._expiry.pop(sid, None)
        await self.sio.disconnect(sid, ignore_queue=True)

    async def _disconnect(self, sid: str, _reason: str | None = None) -> None:
        # Refused connections never counted; a disconnect is counted once.
        if sid in self._connected:
            self._connected.discard(sid)
            SOCKETIO_CONNECTIONS.dec()
        task = self._expiry.pop(sid, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
