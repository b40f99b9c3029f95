import pytest

from atende.numbers.models import Number
from atende.teams.models import Team
from tests.factories import Factory
from tests.webhook.helpers import PHONE_NUMBER_ID


@pytest.fixture
async def team(factory: Factory) -> Team:
    return await factory.team(name="Support")


@pytest.fixture
async def number(factory: Factory, team: Team) -> Number:
    """The business number the webhook payload fixtures are addressed to, committed."""
    created = await factory.number(phone_number_id=PHONE_NUMBER_ID, default_team=team)
    await factory.commit()
    return created


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: nothing in the test depends on the database; run it once"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drops the PostgreSQL run of tests marked `sqlite_only` (CPU-bound, e.g. argon2)."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec is not None else None
        if item.get_closest_marker("sqlite_only") and backend == "postgresql":
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# The live uvicorn server and real socket.io clients of tests/realtime.
from tests.realtime.conftest import connect, server  # noqa: E402

__all__ = ["connect", "number", "server", "team"]
