"""Keeps the dashboard's volume tally filled in the background.

The dashboard tallies 15-minute slots on first use and reads them from then on. Without
this, the first supervisor to open a 30-day range after a deploy (or after a quiet night)
waits while every message of the range is counted (seconds at ten million messages). The
warmer tallies what is missing in the last `dashboard_warm_days`, one day per transaction
and newest first, in whichever process runs the outbox. Concurrent tallies are safe: each
slot is claimed by exactly one of them (`repository.tally_slots`).
"""

from datetime import timedelta

from atende.core.db import Database, commit
from atende.core.periodic import PeriodicTask
from atende.core.types import utcnow
from atende.dashboard import repository
from atende.dashboard.service import SETTLE

SLOTS_PER_DAY = 96
FIRST_DELAY_SECONDS = 30.0


class VolumeWarmer(PeriodicTask):
    task_name = "dashboard-volume-warmer"
    failure_message = "dashboard volume warm-up failed"

    def __init__(self, db: Database, *, days: int, interval: float) -> None:
        super().__init__(interval=interval if days > 0 else 0, first_delay=FIRST_DELAY_SECONDS)
        self.db = db
        self.days = days

    async def tick(self) -> None:
        await warm(self.db, days=self.days)


async def warm(db: Database, *, days: int) -> int:
    """Tally the missing slots of the last `days` that can no longer change; returns the
    number of days that needed it."""
    now = utcnow()
    last = repository.slot_floor(now - SETTLE)
    first = repository.slot_floor(now - timedelta(days=days))
    filled = 0
    for end in range(last, first, -SLOTS_PER_DAY):
        async with db.session() as session:
            if await repository.tally_slots(
                session, first=max(first, end - SLOTS_PER_DAY), last=end, now=now
            ):
                await commit(session)
                filled += 1
    return filled
