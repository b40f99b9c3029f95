"""A real uvicorn server, in this event loop, on a port chosen before its settings are made
(the simulator's base and webhook URLs point back at the server itself)."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.types import ASGIApp

from atende.core.config import Settings
from atende.core.db import Database
from atende.main import create_asgi_app
from tests.realtime.conftest import free_port


def settings_for_port(settings: Settings, port: int, **changes: object) -> Settings:
    base = f"http://127.0.0.1:{port}"
    return settings.model_copy(
        update={
            "simulator_enabled": True,
            "simulator_base_url": f"{base}/simulator",
            "simulator_webhook_url": f"{base}/webhook/whatsapp",
            **changes,
        }
    )


@asynccontextmanager
async def serve(settings: Settings, database: Database, port: int) -> AsyncIterator[ASGIApp]:
    asgi_app = create_asgi_app(settings, database=database)
    config = uvicorn.Config(asgi_app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 10
    while not server.started:
        if task.done() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        await asyncio.sleep(0.01)
    try:
        yield asgi_app
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


__all__ = ["free_port", "serve", "settings_for_port"]
