"""Who may read /metrics (see `service.may_scrape`)."""

from fastapi import Request

from atende.core.config import Settings
from atende.core.exceptions import PermissionDenied, Unauthorized
from atende.metrics.service import may_scrape


async def require_scraper(request: Request) -> None:
    settings: Settings = request.app.state.settings
    client = request.client.host if request.client else None
    authorization = request.headers.get("authorization")
    if may_scrape(token=settings.metrics_token, authorization=authorization, client_host=client):
        return
    if settings.metrics_token:
        raise Unauthorized("A valid metrics bearer token is required", code="metrics_unauthorized")
    raise PermissionDenied(
        "Metrics are served to this machine only; set METRICS_TOKEN to scrape from elsewhere",
        code="metrics_forbidden",
    )
