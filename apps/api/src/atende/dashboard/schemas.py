from datetime import datetime

from pydantic import Field

from atende.core.schemas import AppSchema


class HourVolume(AppSchema):
    hour: datetime = Field(description="Start of the local hour, with its UTC offset")
    inbound: int
    outbound: int


class FirstResponse(AppSchema):
    """Seconds from a conversation's first inbound message to its first agent reply."""

    count: int
    mean_seconds: float | None
    median_seconds: float | None
    # Linear-interpolated percentile, as PostgreSQL's percentile_cont(0.9).
    p90_seconds: float | None


class Backlog(AppSchema):
    count: int
    oldest_waiting_seconds: float | None


class DashboardRead(AppSchema):
    from_: datetime = Field(alias="from")
    to: datetime
    tz: str
    volume_per_hour: list[HourVolume]
    first_response: FirstResponse
    backlog: Backlog
    open_conversations: int
    resolved_conversations: int
