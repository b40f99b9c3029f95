"""Template sync: list each WABA's templates from the Graph API and store them.

Meta is never called inside a transaction: the number is read (short transaction), the list
is fetched with no transaction open, then stored in a second transaction. A sync runs on
demand (`POST /api/numbers/{id}/templates/sync`, after the response) and periodically in
whichever process runs the outbox sender (`TemplateSyncLoop`); status webhooks keep the
stored statuses current in between.
"""

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atende.core.config import Settings
from atende.core.db import Database, commit, rollback
from atende.core.periodic import PeriodicTask
from atende.numbers import service as numbers_service
from atende.numbers.models import Number
from atende.numbers.service import access_token_for
from atende.templates import service
from atende.templates.exceptions import NumberWithoutWaba
from atende.templates.schemas import SyncResult, TemplateSyncAccepted
from atende.whatsapp.client import GraphClient, base_url_for, token_or_simulator
from atende.whatsapp.exceptions import WhatsAppError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncTarget:
    """Where and how to list one WABA's templates (through one of its numbers)."""

    number_id: uuid.UUID
    waba_id: str
    token: str
    base_url: str


def target_for(number: Number, *, settings: Settings, secret: str) -> SyncTarget | None:
    waba_id = service.waba_id_of(number)
    if waba_id is None:
        return None
    token = access_token_for(number, secret=secret, default=settings.whatsapp_token)
    return SyncTarget(
        number_id=number.id,
        waba_id=waba_id,
        token=token_or_simulator(token, is_simulated=number.is_simulated),
        base_url=base_url_for(settings, is_simulated=number.is_simulated),
    )


async def prepare_sync(
    session: AsyncSession, *, number_id: uuid.UUID, settings: Settings, secret: str
) -> tuple[TemplateSyncAccepted, SyncTarget]:
    """Checks the number can be synced (404, 422 `number_without_waba`) and ends the
    transaction, so the Graph call that follows holds none open."""
    number = await numbers_service.get_or_raise(session, number_id)
    target = target_for(number, settings=settings, secret=secret)
    await rollback(session)
    if target is None:
        raise NumberWithoutWaba(
            "This number has no WhatsApp Business Account id: set its waba_id first"
        )
    accepted = TemplateSyncAccepted(number_id=number_id, waba_id=target.waba_id)
    return accepted, target


async def sync_waba(db: Database, graph: GraphClient, target: SyncTarget) -> SyncResult:
    """Lists the WABA's templates (every page) and stores them; raises `WhatsAppError`."""
    listed = await graph.list_templates(target.waba_id, target.token, base_url=target.base_url)
    for attempt in range(2):
        async with db.session() as session:
            try:
                result = await service.store_synced(session, waba_id=target.waba_id, listed=listed)
                await commit(session)
            except IntegrityError:
                # A concurrent sync of the same WABA inserted first: store over its rows.
                await rollback(session)
                if attempt:
                    raise
                continue
        logger.info(
            "templates synced",
            extra={"waba_id": target.waba_id, "listed": result.listed, "deleted": result.deleted},
        )
        return result
    raise AssertionError("unreachable")


async def sync_in_background(db: Database, graph: GraphClient, target: SyncTarget) -> None:
    """The on-demand sync, after the 202: a failure is logged (the list stays as it was)."""
    try:
        await sync_waba(db, graph, target)
    except WhatsAppError as e:
        logger.warning(
            "template sync failed",
            extra={"waba_id": target.waba_id, "code": e.code, "error": e.title},
        )
    except Exception:
        logger.exception("template sync crashed", extra={"waba_id": target.waba_id})


async def sync_all(
    db: Database, graph: GraphClient, *, settings: Settings, secret: str
) -> list[SyncResult]:
    """One sync per WABA of the active numbers (numbers of one WABA share its templates)."""
    async with db.session() as session:
        numbers = list(
            await session.scalars(
                select(Number).where(Number.is_active.is_(True)).order_by(Number.created_at)
            )
        )
        targets: dict[str, SyncTarget] = {}
        for number in numbers:
            target = target_for(number, settings=settings, secret=secret)
            if target is not None and target.waba_id not in targets:
                targets[target.waba_id] = target
        await rollback(session)
    results: list[SyncResult] = []
    for target in targets.values():
        try:
            results.append(await sync_waba(db, graph, target))
        except WhatsAppError as e:
            logger.warning(
                "template sync failed",
                extra={"waba_id": target.waba_id, "code": e.code, "error": e.title},
            )
    return results


class TemplateSyncLoop(PeriodicTask):
    """Syncs every WABA's templates shortly after start, then every `interval` seconds."""

    task_name = "template-sync"
    failure_message = "periodic template sync failed"

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        graph: GraphClient,
        secret: str,
        interval: float,
        first_delay: float = 30.0,
    ) -> None:
        super().__init__(interval=interval, first_delay=first_delay)
        self.db = db
        self.settings = settings
        self.graph = graph
        self._secret = secret

    async def tick(self) -> None:
        await sync_all(self.db, self.graph, settings=self.settings, secret=self._secret)
