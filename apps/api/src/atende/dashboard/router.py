import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from atende.core.db import SessionDep
from atende.core.deps import CurrentUser, SettingsDep
from atende.dashboard import service as dashboard_service
from atende.dashboard.schemas import DashboardRead

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", operation_id="dashboard-get_dashboard")
async def get_dashboard(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    tz: Annotated[str | None, Query(max_length=64)] = None,
    number_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
) -> DashboardRead:
    """Figures for [from, to) (default: the last 24 hours, at most 92 days) in the time zone
    `tz`. ADMIN/SUPERVISOR see everything; an AGENT sees their teams' and team-less
    conversations."""
    return await dashboard_service.get_dashboard(
        session,
        user=user,
        start=start,
        end=end,
        tz_name=tz or settings.tz_default,
        number_id=number_id,
        team_id=team_id,
    )
