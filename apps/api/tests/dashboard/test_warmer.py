"""The background warm-up fills the volume tally the dashboard would otherwise count on first
use, and the dashboard then reads the same figures from it."""

from datetime import timedelta

import httpx
from sqlalchemy import func, select

from atende.core.db import Database
from atende.core.types import utcnow
from atende.dashboard.models import MessageVolume, VolumeSlot
from atende.dashboard.repository import slot_floor
from atende.dashboard.service import SETTLE
from atende.dashboard.warmer import VolumeWarmer, warm
from atende.messages.models import Direction
from atende.users.models import Role
from tests.dashboard.helpers import get_dashboard
from tests.factories import Factory


async def test_warm_tallies_every_settled_slot_of_the_window_once(
    db: Database, factory: Factory, client: httpx.AsyncClient
) -> None:
    now = utcnow()
    conversation = await factory.conversation(number=await factory.number())
    ages = [timedelta(days=2, minutes=7), timedelta(hours=5), timedelta(hours=5, minutes=1)]
    for age in ages:
        await factory.message(conversation=conversation, at=now - age)
    await factory.message(
        conversation=conversation, at=now - timedelta(hours=5), direction=Direction.OUTBOUND
    )
    # Outside the window: left for the dashboard to count if anyone asks.
    await factory.message(conversation=conversation, at=now - timedelta(days=4))
    await factory.commit()

    assert await warm(db, days=3) == 3

    first, last = slot_floor(now - timedelta(days=3)), slot_floor(now - SETTLE)
    async with db.session() as session:
        slots = set(await session.scalars(select(VolumeSlot.slot)))
        tallied = await session.scalar(select(func.sum(MessageVolume.count)))
    assert slots == set(range(first, last))
    assert tallied == 4
    # Nothing is left to do, and a second process warming at once would find the same.
    assert await warm(db, days=3) == 0

    supervisor = await factory.user(role=Role.SUPERVISOR)
    await factory.commit()
    window = {"from": (now - timedelta(days=3)).isoformat(), "to": now.isoformat()}
    response = await get_dashboard(client, factory, supervisor, tz="UTC", **window)
    assert response.status_code == 200, response.text
    hours = response.json()["volume_per_hour"]
    assert sum(h["inbound"] for h in hours) == 3
    assert sum(h["outbound"] for h in hours) == 1


async def test_no_days_means_no_warmer(db: Database) -> None:
    warmer = VolumeWarmer(db, days=0, interval=300)
    assert not warmer.enabled()
