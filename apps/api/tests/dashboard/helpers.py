"""Shared helpers of the dashboard tests."""

from datetime import datetime
from typing import Any

import httpx

from atende.core.types import utcnow
from atende.users.models import User
from tests.factories import Factory

# A São Paulo morning (UTC-3): 03:00Z to 09:00Z.
SP_FROM = "2026-03-10T00:00:00-03:00"  # 03:00Z
SP_TO = "2026-03-10T06:00:00-03:00"  # 09:00Z
SP_WINDOW = {"from": SP_FROM, "to": SP_TO}


def at(hhmmss: str, day: str = "2026-03-10") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmmss}+00:00")


async def get_dashboard(
    client: httpx.AsyncClient, factory: Factory, user: User, **params: Any
) -> httpx.Response:
    return await client.get("/api/dashboard", params=params, headers=factory.auth(user))


def volume(body: dict[str, Any]) -> list[tuple[str, int, int]]:
    return [(h["hour"], h["inbound"], h["outbound"]) for h in body["volume_per_hour"]]


def sp_hours(*rows: tuple[int, int]) -> list[tuple[str, int, int]]:
    return [(f"2026-03-10T{h:02d}:00:00-03:00", i, o) for h, (i, o) in enumerate(rows)]


def age(since: datetime) -> float:
    return (utcnow() - since).total_seconds()
