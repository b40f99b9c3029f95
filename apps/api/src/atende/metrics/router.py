"""GET /metrics: Prometheus text format, for a scraper (deploy/nginx never proxies it)."""

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from atende.core.db import DatabaseDep
from atende.metrics import service
from atende.metrics.dependencies import require_scraper

router = APIRouter(tags=["metrics"], include_in_schema=False)


@router.get("/metrics", dependencies=[Depends(require_scraper)])
async def get_metrics(db: DatabaseDep) -> Response:
    return Response(await service.scrape(db), media_type=CONTENT_TYPE_PLAIN_0_0_4)
