"""Redis: readiness, fan-out across processes, and degraded delivery when Redis is down."""

import asyncio
import logging
import os
import time
import uuid

import httpx
import orjson
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from atende.core.config import Settings
from atende.core.db import Database, Event, commit, queue_event
from atende.main import create_app
from atende.realtime.events import MESSAGE_NEW, conversation_event
from atende.realtime.publisher import BufferedRedisManager, redis_manager, redis_sink
from tests.factories import Factory
from tests.realtime.conftest import Connect, free_port, live_server

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


async def _redis_available() -> bool:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        return bool(await client.ping())
    except OSError:
        return False
    finally:
        await client.aclose()


@pytest.fixture
async def redis_settings(settings: Settings) -> Settings:
    if not await _redis_available():
        pytest.skip("Redis not available")
    # Pub/sub channels are server-wide: a unique one keeps parallel runs apart.
    return settings.model_copy(
        update={"redis_url": REDIS_URL, "realtime_channel": f"atende-test-{uuid.uuid4().hex}"}
    )


@pytest.fixture
def dead_redis_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})


async def wait_for_subscribers(channel: str, count: int) -> None:
    """The socket.io Redis listener subscribes in the background after the first connect."""
    client = Redis.from_url(REDIS_URL)
    try:
        deadline = time.monotonic() + 10
        while True:
            [(_, subscribers)] = await client.pubsub_numsub(channel)
            if subscribers >= count:
                return
            assert time.monotonic() < deadline, f"{subscribers} subscribers on {channel}"
            await asyncio.sleep(0.02)
    finally:
        await client.aclose()


async def test_readyz_reports_redis_when_configured(redis_settings: Settings, db: Database) -> None:
    app = create_app(redis_settings, database=db)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        response = await http.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_readyz_is_degraded_when_redis_is_down(
    dead_redis_settings: Settings, db: Database
) -> None:
    app = create_app(dead_redis_settings, database=db)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        response = await http.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "unavailable"},
    }


async def test_with_redis_down_local_sockets_still_get_events_and_the_failure_is_logged(
    dead_redis_settings: Settings,
    db: Database,
    factory: Factory,
    connect: Connect,
    session: AsyncSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    agent = await factory.user()
    await factory.commit()
    async with live_server(dead_redis_settings, db) as server:
        client = await connect(server.base_url, factory.token_for(agent))

        queue_event(
            session, conversation_event(MESSAGE_NEW, {"n": 1}, team_id=None, assignee_id=None)
        )
        started = time.monotonic()
        with caplog.at_level(logging.ERROR):
            await commit(session)
        commit_seconds = time.monotonic() - started

        assert await client.wait_for(MESSAGE_NEW) == {"n": 1}
        await client.sio.disconnect()
    assert commit_seconds < 5
    assert any("Cannot publish to redis" in r.getMessage() for r in caplog.records)


async def test_worker_sink_reaches_sockets_through_redis(
    redis_settings: Settings, db: Database, factory: Factory, connect: Connect
) -> None:
    team = await factory.team()
    agent = await factory.user(teams=[team])
    outsider = await factory.user(teams=[await factory.team()])
    await factory.commit()
    sink = redis_sink(redis_settings)
    assert sink is not None
    async with live_server(redis_settings, db) as server:
        member = await connect(server.base_url, factory.token_for(agent))
        other = await connect(server.base_url, factory.token_for(outsider))
        await wait_for_subscribers(redis_settings.realtime_channel, 1)

        # What a separate outbox worker process does after its commit.
        await sink([Event("message:status", {"status": "sent"}, frozenset({f"team:{team.id}"}))])

        assert await member.wait_for("message:status") == {"status": "sent"}
        await asyncio.sleep(0.3)
        assert other.received == []
        await member.sio.disconnect()
        await other.sio.disconnect()


def test_redis_sink_is_none_without_redis(settings: Settings) -> None:
    assert redis_sink(settings) is None


async def test_emit_from_one_server_reaches_a_socket_on_another(
    redis_settings: Settings,
    db: Database,
    factory: Factory,
    connect: Connect,
    session: AsyncSession,
) -> None:
    """Two gateways in one process but sharing only Redis: the cheap form of the
    multi-process test in test_multiprocess.py."""
    team = await factory.team()
    agent = await factory.user(teams=[team])
    await factory.commit()
    other_db = Database(db.url)
    try:
        async with live_server(redis_settings, db), live_server(redis_settings, other_db) as b:
            client = await connect(b.base_url, factory.token_for(agent))
            await wait_for_subscribers(redis_settings.realtime_channel, 1)

            # Committed through `db`, whose publisher feeds only the first server.
            queue_event(
                session,
                conversation_event(MESSAGE_NEW, {"n": 2}, team_id=team.id, assignee_id=None),
            )
            await commit(session)

            assert await client.wait_for(MESSAGE_NEW) == {"n": 2}
            await client.sio.disconnect()
    finally:
        await other_db.dispose()


async def test_a_burst_of_emits_reaches_redis_complete_and_in_order(
    redis_settings: Settings,
) -> None:
    manager = redis_manager(redis_settings, write_only=True)
    listener = Redis.from_url(REDIS_URL)
    pubsub = listener.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(redis_settings.realtime_channel)
    try:
        for n in range(300):
            await manager.emit("message:new", {"n": n}, to=["team:x"], namespace="/")
        await manager.drain()

        received: list[int] = []
        deadline = time.monotonic() + 10
        while len(received) < 300 and time.monotonic() < deadline:
            # None also stands for the skipped subscribe confirmation.
            message = await pubsub.get_message(timeout=1)
            if message is not None:
                received.append(orjson.loads(message["data"])["data"][0]["n"])
        assert received == list(range(300))
    finally:
        await pubsub.aclose()
        await listener.aclose()


async def test_a_hung_redis_never_holds_the_emitter(settings: Settings) -> None:
    """A Redis that accepts connections but never answers: emit returns while the publish is
    still waiting, and the publish gives up with a logged error instead of hanging forever."""
    connections: list[asyncio.StreamWriter] = []

    async def swallow(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    manager = redis_manager(
        settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"}), write_only=True
    )
    assert isinstance(manager, BufferedRedisManager)
    manager.FLUSH_TIMEOUT_SECONDS = 0.2
    try:
        await manager.emit("message:new", {"n": 1}, to=["team:x"], namespace="/")
        flusher = manager._flusher
        assert flusher is not None and not flusher.done()

        await manager.drain()
        assert flusher.done() and flusher.exception() is None
        assert manager._queued == []
        assert connections, "the publish never reached the server"
    finally:
        server.close()
        for writer in connections:
            writer.close()


async def test_a_redis_outage_is_logged_once_with_its_toll_when_redis_is_back(
    redis_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Every request's events fail to publish while Redis is down: one error for the outage,
    not one per request, and a count of what was lost once Redis takes publishes again."""
    manager = redis_manager(
        redis_settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}), write_only=True
    )
    assert isinstance(manager, BufferedRedisManager)
    with caplog.at_level(logging.INFO, logger="atende.realtime.publisher"):
        for n in range(20):
            await manager.emit("message:new", {"n": n}, to=["team:x"], namespace="/")
            await manager.drain()
        manager.redis_url = REDIS_URL
        await manager.emit("message:new", {"n": 20}, to=["team:x"], namespace="/")
        await manager.drain()
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(logged) == 2, logged
    assert "Cannot publish to redis" in logged[0]
    assert logged[1] == "Publishing to redis again: 20 realtime events were not fanned out"
