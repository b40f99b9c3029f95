"""`atende worker`: the outbox sender as its own process (scaled mode).

Any number of these may run against one PostgreSQL database; each claims with SKIP LOCKED.
SIGTERM/SIGINT stop claiming at once; calls in flight get SHUTDOWN_GRACE_SECONDS to finish
and be recorded; claims not yet started go back to the queue, due now, so another worker
takes them without waiting for their lease to run out.
"""

import asyncio
import logging
import signal

from atende.core.config import Settings
from atende.core.db import Database, commit
from atende.core.types import utcnow
from atende.dashboard.warmer import VolumeWarmer
from atende.media import links as media_links
from atende.media.fetcher import MediaFetcher
from atende.media.storage import storage_from_settings
from atende.messages import outbox_store
from atende.messages.outbox import OutboxSender, limiter_from_settings
from atende.messages.outbox_store import Claim, RecordStats
from atende.realtime.publisher import redis_sink
from atende.templates.sync import TemplateSyncLoop
from atende.whatsapp.client import GraphClient

logger = logging.getLogger(__name__)

# Past the grace, writing the last results and releasing claims gets this much longer; what
# is still unwritten then is resumed when its lease runs out, as after a crash.
RECORD_SECONDS = 5.0


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
    volume_warmer = VolumeWarmer(
        db, days=settings.dashboard_warm_days, interval=settings.dashboard_warm_seconds
    )
    volume_warmer.start()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    logger.info(
        "outbox worker started",
        extra={"concurrency": sender.concurrency, "batch": sender.batch_size},
    )
    running = asyncio.create_task(sender.run(), name="outbox-sender")
    try:
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait([running, stopped], return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        sender.request_stop()
        media_fetcher.request_stop()
        stopping = [
            running,
            asyncio.create_task(template_sync.stop()),
            asyncio.create_task(volume_warmer.stop()),
            asyncio.create_task(media_fetcher.stop()),
        ]
        _, late = await asyncio.wait(
            stopping, timeout=settings.shutdown_grace_seconds + RECORD_SECONDS
        )
        if late:
            logger.warning("worker stop outlasted the grace period", extra={"tasks": len(late)})
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await _release(db, sender.unstarted_claims())
        if not running.cancelled() and (error := running.exception()) is not None:
            raise error
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await sender.aclose()
        await graph.aclose()
        if sink is not None:
            await sink.drain()
        await db.dispose()
    totals = sender.totals
    logger.info(
        "outbox worker stopped",
        extra={"sent": totals.sent, "failed": totals.failed, "released": totals.released},
    )
    return totals


async def _release(db: Database, claims: list[Claim]) -> None:
    """Claims a stop cut short: back to the queue now rather than when their lease ends."""
    if not claims:
        return
    try:
        async with asyncio.timeout(RECORD_SECONDS), db.session() as session:
            await outbox_store.release(session, claims, now=utcnow())
            await commit(session)
    except Exception:
        logger.warning(
            "claims not released; they resume when their lease ends",
            extra={"claims": len(claims)},
            exc_info=True,
        )
        return
    logger.info("claims released", extra={"claims": len(claims)})
