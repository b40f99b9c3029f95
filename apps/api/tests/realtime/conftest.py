"""A real uvicorn server on a free port (websockets need one) and real socket.io clients."""

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import socketio
import uvicorn

from atende.core.config import Settings
from atende.core.db import Database
from atende.main import create_asgi_app
from atende.realtime.server import RealtimeGateway

EVENT_TIMEOUT = 5.0
# How long a socket that should get nothing is watched after the others got the event.
QUIET_PERIOD = 0.3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class LiveServer:
    base_url: str
    gateway: RealtimeGateway


@asynccontextmanager
async def live_server(settings: Settings, database: Database) -> AsyncIterator[LiveServer]:
    """`create_asgi_app` served by uvicorn in this event loop, lifespan included."""
    asgi_app = create_asgi_app(settings, database=database)
    port = free_port()
    config = uvicorn.Config(asgi_app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 10
    while not server.started:
        if task.done() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        await asyncio.sleep(0.01)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", asgi_app.other_asgi_app.state.realtime)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


@dataclass
class Client:
    """A connected socket.io client that records every event it receives."""

    sio: socketio.AsyncClient
    received: list[tuple[str, Any]] = field(default_factory=list)
    disconnect_reasons: list[str | None] = field(default_factory=list)

    @property
    def sid(self) -> str:
        sid: str = self.sio.get_sid("/")
        return sid

    def payloads(self, name: str) -> list[Any]:
        return [data for event, data in self.received if event == name]

    async def wait_for(self, name: str, within: float = EVENT_TIMEOUT) -> Any:
        deadline = time.monotonic() + within
        while not self.payloads(name):
            if time.monotonic() > deadline:
                raise AssertionError(f"no {name!r} within {within}s; got {self.received}")
            await asyncio.sleep(0.005)
        return self.payloads(name)[0]

    async def wait_disconnected(self, within: float = EVENT_TIMEOUT) -> None:
        deadline = time.monotonic() + within
        while not self.disconnect_reasons:
            if time.monotonic() > deadline:
                raise AssertionError("still connected")
            await asyncio.sleep(0.01)


def new_client() -> Client:
    sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    client = Client(sio)

    async def on_any(event: str, data: Any = None) -> None:
        client.received.append((event, data))

    async def on_disconnect(reason: str | None = None) -> None:
        client.disconnect_reasons.append(reason)

    sio.on("*", on_any)
    sio.on("disconnect", on_disconnect)
    return client


Connect = Callable[[str, str], Awaitable[Client]]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """Connects real clients over the websocket transport; all are closed after the test."""
    clients: list[Client] = []

    async def _connect(base_url: str, token: str) -> Client:
        client = new_client()
        await client.sio.connect(
            base_url, auth={"token": token}, transports=["websocket"], wait_timeout=5
        )
        clients.append(client)
        return client

    yield _connect
    for client in clients:
        if client.sio.connected:
            await client.sio.disconnect()


async def refusal(base_url: str, auth: dict[str, Any] | None) -> Any:
    """The `connect_error` data of a connection the server refuses."""
    client = new_client()
    errors: list[Any] = []

    async def on_error(data: Any = None) -> None:
        errors.append(data)

    client.sio.on("connect_error", on_error)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.sio.connect(base_url, auth=auth, transports=["websocket"], wait_timeout=5)
    await client.sio.disconnect()
    assert len(errors) == 1
    return errors[0]


@pytest.fixture
async def server(settings: Settings, db: Database) -> AsyncIterator[LiveServer]:
    async with live_server(settings, db) as live:
        yield live
