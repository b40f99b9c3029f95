"""phone_number_id → business number, cached in process for a few seconds.

Every webhook needs this lookup and numbers almost never change, so a short TTL keeps the
query off the hot path while an edited default team still takes effect within seconds.
Unknown ids are not cached: a number added a moment ago starts receiving at once.
"""

import time
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from atende.core import upsert
from atende.messages.ingest import NumberRoute
from atende.numbers.models import Number

NUMBERS = cast(Table, Number.__table__)
_n = NUMBERS.c


class NumberDirectory:
    def __init__(self, ttl_seconds: float = 10.0) -> None:
        self.ttl_seconds = ttl_seconds
        self._entries: dict[str, tuple[float, NumberRoute]] = {}

    async def resolve(
        self, session: AsyncSession, phone_number_ids: set[str]
    ) -> dict[str, NumberRoute]:
        now = time.monotonic()
        found: dict[str, NumberRoute] = {}
        missing: list[str] = []
        for phone_number_id in phone_number_ids:
            entry = self._entries.get(phone_number_id)
            if entry is not None and entry[0] > now:
                found[phone_number_id] = entry[1]
            else:
                missing.append(phone_number_id)
        if missing:
            rows = await upsert.execute(
                session,
                select(_n.phone_number_id, _n.id, _n.default_team_id).where(
                    _n.phone_number_id.in_(missing)
                ),
            )
            expires = now + self.ttl_seconds
            for phone_number_id, number_id, team_id in rows:
                route = NumberRoute(id=number_id, default_team_id=team_id)
                self._entries[phone_number_id] = (expires, route)
                found[phone_number_id] = route
        return found

    def clear(self) -> None:
        self._entries.clear()
