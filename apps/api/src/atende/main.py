"""Application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from atende.api import api_router
from atende.auth.throttle import LoginThrottle
from atende.core.config import Settings, get_settings
from atende.core.db import Database
from atende.core.errors import install_error_handlers
from atende.core.health import router as health_router
from atende.core.logging import configure_logging
from atende.core.middleware import RequestContextMiddleware
from atende.core.web import default_dist, mount_web
from atende.webhook.router import router as webhook_router


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    jwt_secret = settings.resolved_jwt_secret()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owns_db = database is None
        app.state.db = database or Database(settings.database_url)
        try:
            yield
        finally:
            if owns_db:
                await app.state.db.dispose()

    app = FastAPI(
        title="Atende",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.jwt_secret = jwt_secret
    app.state.login_throttle = LoginThrottle(
        max_failures=settings.login_max_failures, window_seconds=settings.login_window_seconds
    )
    if database is not None:
        app.state.db = database
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health_router)
    app.include_router(api_router)
    app.include_router(webhook_router)
    mount_web(app, settings.web_dist or default_dist())
    return app


def create_default_app() -> FastAPI:
    """Entry point for `uvicorn --factory atende.main:create_default_app`."""
    settings = get_settings()
    configure_logging(level=settings.log_level, json_logs=settings.json_logs)
    return create_app(settings)
