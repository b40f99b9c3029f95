"""Media tests run against the built-in simulator as the Graph API, in process: the Graph
client reaches the app's own /simulator mount through an ASGI transport."""

import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from atende.conversations.models import Conversation
from atende.core.config import Settings
from atende.core.db import Database
from atende.core.types import utcnow
from atende.media.fetcher import MediaFetcher
from atende.media.storage import LocalStorage, MediaStorage
from atende.messages.outbox import OutboxSender
from atende.numbers.models import Number
from atende.teams.models import Team
from atende.users.models import Role, User
from atende.whatsapp.client import GraphClient
from atende.whatsapp.ratelimit import TokenBucket
from atende.whatsapp.simulator import Simulator
from tests.factories import Factory, ago

SIM_BASE = "http://sim.test/simulator"
WEBHOOK = "http://atende.test/webhook/whatsapp"
PHONE_NUMBER_ID = "555000111"


class FakeClock:
    """The workers' wall clock, moved by hand so backoff and leases need no waiting."""

    def __init__(self) -> None:
        self.now = utcnow() + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={
            "simulator_base_url": SIM_BASE,
            "simulator_webhook_url": WEBHOOK,
            "media_dir": tmp_path / "media",
            "media_max_attempts": 3,
            "media_backoff_base_seconds": 0.001,
            "media_backoff_cap_seconds": 0.01,
            "send_backoff_base_seconds": 0.001,
            "send_backoff_cap_seconds": 0.01,
            "send_rate_per_second": 10_000.0,
        }
    )


@pytest.fixture
def simulator(app: FastAPI) -> Simulator:
    sim: Simulator = app.state.simulator
    return sim


@pytest.fixture
async def sim_graph(app: FastAPI, settings: Settings) -> AsyncIterator[GraphClient]:
    """A Graph client whose requests land on the app's simulator mount."""
    graph = GraphClient(
        base_url=settings.graph_api_base_url,
        version=settings.graph_version,
        transport=httpx.ASGITransport(app=app),
        max_connections=4,
    )
    yield graph
    await graph.aclose()


@pytest.fixture
def storage(app: FastAPI) -> MediaStorage:
    """The app's own storage: what the fetcher stores, the routes serve."""
    store: MediaStorage = app.state.media_storage
    assert isinstance(store, LocalStorage)
    return store


FetcherFactory = Callable[..., MediaFetcher]


@pytest.fixture
def make_fetcher(
    db: Database,
    settings: Settings,
    sim_graph: GraphClient,
    storage: MediaStorage,
    clock: FakeClock,
) -> FetcherFactory:
    def make(**overrides: object) -> MediaFetcher:
        options: dict[str, object] = {
            "graph": sim_graph,
            "storage": storage,
            "secret": settings.resolved_jwt_secret(),
            "clock": clock,
            "rng": random.Random(7),
        }
        options.update(overrides)
        return MediaFetcher(db, settings, **options)  # type: ignore[arg-type]

    return make


@pytest.fixture
async def sender(
    db: Database, settings: Settings, sim_graph: GraphClient, storage: MediaStorage
) -> AsyncIterator[OutboxSender]:
    outbox = OutboxSender(
        db,
        settings,
        graph=sim_graph,
        limiter=TokenBucket(),
        secret=settings.resolved_jwt_secret(),
        storage=storage,
    )
    yield outbox
    await outbox.limiter.aclose()


@dataclass
class Scene:
    team: Team
    other_team: Team
    agent: User
    outsider: User
    admin: User
    number: Number


@pytest.fixture
async def scene(factory: Factory) -> Scene:
    """A simulated number whose conversations go to team Vendas."""
    team = await factory.team(name="Vendas")
    other = await factory.team(name="Suporte")
    agent = await factory.user(role=Role.AGENT, teams=[team], name="Ana")
    outsider = await factory.user(role=Role.AGENT, teams=[other], name="Otto")
    admin = await factory.user(role=Role.ADMIN, name="Adm")
    number = await factory.number(
        phone_number_id=PHONE_NUMBER_ID, default_team=team, simulated=True
    )
    await factory.commit()
    return Scene(team, other, agent, outsider, admin, number)


@pytest.fixture
async def conversation(factory: Factory, scene: Scene) -> Conversation:
    """A conversation with Dana on the scene's number, in team Vendas, inside the window."""
    contact = await factory.contact(wa_id="5511988887777", name="Dana")
    found = await factory.conversation(
        number=scene.number, contact=contact, team=scene.team, last_inbound_at=ago(hours=1)
    )
    await factory.commit()
    return found


__all__ = ["ago"]
