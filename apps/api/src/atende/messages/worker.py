"""`atende worker`: the outbox sender as its own process (scaled mode).

Any number of these may run against one PostgreSQL database; each claims with SKIP LOCKED.
SIGTERM/SIGINT stop claiming, let calls in flight finish and release the rest.
"""

import asyncio
import logging
import signal

from atende.core.config import Settings
from atende.core.db import Database
from atende.media import links as media_links
from atende.media.fetcher import MediaFetcher
from atende.media.storage import storage_from_settings
from atende.messages.outbox import OutboxSender, limiter_from_settings
from atende.messages.outbox_store import RecordStats
from atende.realtime.publisher import redis_sink
from atende.templates.sync import TemplateSyncLoop
from atende.whatsapp.client import GraphClient

logger = logging.getLogger(__name__)


async def run_worker(settings: Settings) -> RecordStats:
    db = Database(settings.database_url)
    # Events reach the api processes' sockets through Redis (none to reach without it).
    sink = redis_sink(settings)
    if sink is not None:
        db.publisher.sinks.append(sink)
    graph = GraphClient.from_settings(settings, max_connections=settings.send_concurrency)
    # Events carry signed media links that the api processes must verify.
    media_links.configure(settings.resolved_jwt_secret(), seconds=settings.media_link_seconds)
    storage = storage_from_settings(settings)
    sender = OutboxSender(
        db,
        settings,
        graph=graph,
        limiter=limiter_from_settings(settings),
        secret=settings.resolved_jwt_secret(),
        storage=storage,
    )
    # Inbound media downloads run beside the sender, in the same process.
    media_fetcher = MediaFetcher(
        db, settings, graph=graph, storage=storage, secret=settings.resolved_jwt_secret()
    )
    media_fetcher.start()
    template_sync = TemplateSyncLoop(
        db,
        settings,
        graph=graph,
        secret=settings.resolved_jwt_secret(),
        interval=settings.template_sync_seconds,
    )
    template_sync.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, sender.request_stop)
    logger.info(
        "outbox worker started",
        extra={"concurrency": sender.concurrency, "batch": sender.batch_size},
    )
    try:
        await sender.run()
    finally:
        await template_sync.stop()
        await media_fetcher.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await sender.aclose()
        await graph.aclose()
        await db.dispose()
    totals = sender.totals
    logger.info(
        "outbox worker stopped",
        extra={"sent": totals.sent, "failed": totals.failed, "released": totals.released},
    )
    return totals
