from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from atende.core.errors import error_body
from atende.core.schemas import error_responses

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="health-live")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", operation_id="health-ready", responses=error_responses(503))
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        async with request.app.state.db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
    redis = getattr(request.app.state, "redis", None)
    if redis is not None:
        try:
            await redis.ping()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "unavailable"
    if checks["database"] != "ok":
        body = error_body("not_ready", "The database is unavailable") | {"checks": checks}
        return JSONResponse(body, status_code=503)
    # Without Redis this instance still stores webhooks and sends replies; only the fan-out of
    # events to other instances waits. Taking it out of rotation would stop all of that.
    status = "ok" if all(v == "ok" for v in checks.values()) else "degraded"
    return JSONResponse({"status": status, "checks": checks})
