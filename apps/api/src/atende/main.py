"""Application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from redis.asyncio import Redis
from starlette.types import ASGIApp

from atende.api import api_router
from atende.auth.throttle import LoginThrottle
from atende.core.config import Settings, get_settings
from atende.core.db import Database
from atende.core.errors import install_error_handlers
from atende.core.health import router as health_router
from atende.core.logging import configure_logging
from atende.core.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from atende.core.web import default_dist, mount_web
from atende.dashboard.warmer import VolumeWarmer
from atende.media import links as media_links
from atende.media.fetcher import MediaFetcher
from atende.media.storage import storage_from_settings
from atende.messages.outbox import OutboxSender, limiter_from_settings
from atende.metrics.router import router as metrics_router
from atende.realtime.server import RealtimeGateway
from atende.templates.sync import TemplateSyncLoop
from atende.webhook.receiver import WebhookReceiver
from atende.webhook.router import router as webhook_router
from atende.whatsapp.client import GraphClient
from atende.whatsapp.simulator import create_simulator_app


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    jwt_secret = settings.resolved_jwt_secret()
    settings.check_secrets("WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owns_db = database is None
        app.state.db = database or Database(settings.database_url)
        app.state.redis = (
            Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
            if settings.redis_url
            else None
        )
        app.state.realtime.start(app.state.db)
        app.state.graph = GraphClient.from_settings(
            settings, max_connections=settings.send_concurrency
        )
        app.state.media_storage = storage_from_settings(settings)
        app.state.outbox = None
        app.state.template_sync = None
        app.state.volume_warmer = None
        app.state.media_fetcher = None
        if settings.run_embedded_worker:
            app.state.outbox = OutboxSender(
                app.state.db,
                settings,
                graph=app.state.graph,
                limiter=limiter_from_settings(settings),
                secret=jwt_secret,
                storage=app.state.media_storage,
            )
            app.state.outbox.start()
            app.state.media_fetcher = MediaFetcher(
                app.state.db,
                settings,
                graph=app.state.graph,
                storage=app.state.media_storage,
                secret=jwt_secret,
            )
            app.state.media_fetcher.start()
            app.state.template_sync = TemplateSyncLoop(
                app.state.db,
                settings,
                graph=app.state.graph,
                secret=jwt_secret,
                interval=settings.template_sync_seconds,
            )
            app.state.template_sync.start()
            app.state.volume_warmer = VolumeWarmer(
                app.state.db,
                days=settings.dashboard_warm_days,
                interval=settings.dashboard_warm_seconds,
            )
            app.state.volume_warmer.start()
        try:
            yield
        finally:
            if app.state.template_sync is not None:
                await app.state.template_sync.stop()
            if app.state.volume_warmer is not None:
                await app.state.volume_warmer.stop()
            if app.state.media_fetcher is not None:
                await app.state.media_fetcher.stop()
            if app.state.outbox is not None:
                # Releases the claims of messages it had not sent yet.
                await app.state.outbox.stop()
                await app.state.outbox.aclose()
            await app.state.graph.aclose()
            await app.state.media_storage.aclose()
            if getattr(app.state, "simulator", None) is not None:
                await app.state.simulator.aclose()
            await app.state.realtime.stop()
            if app.state.redis is not None:
                await app.state.redis.aclose()
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
    media_links.configure(jwt_secret, seconds=settings.media_link_seconds)
    app.state.realtime = RealtimeGateway(settings, jwt_secret=jwt_secret)
    app.state.login_throttle = LoginThrottle(
        max_failures=settings.login_max_failures, window_seconds=settings.login_window_seconds
    )
    if database is not None:
        app.state.db = database
    install_error_handlers(app)
    # Innermost of the three, so a 413 still carries the CORS and security headers.
    app.add_middleware(BodySizeLimitMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    # Inside the request context (request id, security headers, access log), in front of the rest.
    app.add_middleware(WebhookReceiver)
    app.add_middleware(RequestContextMiddleware)
    # Routes match in order: the webhook, the hottest path, skips scanning every /api route.
    app.include_router(webhook_router)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(api_router)
    if settings.is_simulator_enabled:
        simulator_app = create_simulator_app(settings)
        app.state.simulator = simulator_app.state.simulator
        app.mount("/simulator", simulator_app)
    mount_web(app, settings.web_dist or default_dist())
    return app


def create_asgi_app(
    settings: Settings | None = None, *, database: Database | None = None
) -> ASGIApp:
    """The API with the socket.io gateway in front of it at `/socket.io`."""
    app = create_app(settings, database=database)
    gateway: RealtimeGateway = app.state.realtime
    asgi_app: ASGIApp = gateway.asgi_app(app)
    return asgi_app


def create_default_app() -> ASGIApp:
    """Entry point for `uvicorn --factory atende.main:create_default_app`."""
    settings = get_settings()
    configure_logging(level=settings.log_level, json_logs=settings.json_logs)
    return create_asgi_app(settings)
