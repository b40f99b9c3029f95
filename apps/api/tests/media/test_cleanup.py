"""Unsent uploads: after the retention, an upload no message took loses its row and file;
a file a message took is kept, and a send never gets an upload the sweep is deleting."""

import asyncio
import uuid
from pathlib import Path

import httpx
from sqlalchemy import func, select

from atende.conversations.models import Conversation
from atende.core.config import Settings
from atende.core.db import Database
from atende.core.types import utcnow
from atende.media import service as media_service
from atende.media.cleanup import UploadSweeper, delete_unsent_uploads
from atende.media.models import Upload
from atende.media.storage import LocalStorage, MediaStorage
from atende.messages.models import Message
from atende.whatsapp import simulator_samples
from tests.factories import Factory, ago
from tests.media.conftest import FakeClock, Scene
from tests.media.helpers import age_upload, upload_row, uploaded


async def send_document(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    conversation: Conversation,
    upload_id: str,
) -> httpx.Response:
    return await client.post(
        f"/api/conversations/{conversation.id}/messages",
        json={"type": "document", "upload_id": upload_id, "caption": "Sua fatura"},
        headers=factory.auth(scene.agent),
    )


async def test_an_unsent_upload_past_the_retention_is_deleted_with_its_file(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database, storage: MediaStorage
) -> None:
    auth = factory.auth(scene.agent)
    old = await uploaded(client, auth, simulator_samples.pdf("velho"), "velho.pdf")
    fresh = await uploaded(client, auth, simulator_samples.pdf("novo"), "novo.pdf")
    await age_upload(db, old, hours=25)
    await age_upload(db, fresh, hours=23)

    stats = await delete_unsent_uploads(db, storage, older_than=ago(hours=24))

    assert (stats.deleted, stats.files_failed) == (1, 0)
    assert await upload_row(db, old) is None
    assert await storage.size(f"uploads/{old}") is None
    kept = await upload_row(db, fresh)
    assert kept is not None and kept.attached_at is None
    assert await storage.size(kept.storage_key) == len(simulator_samples.pdf("novo"))


async def test_an_upload_a_message_took_is_kept_however_old(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    conversation: Conversation,
    db: Database,
    storage: MediaStorage,
) -> None:
    pdf = simulator_samples.pdf("Fatura 7781")
    upload_id = await uploaded(client, factory.auth(scene.agent), pdf, "fatura.pdf")
    response = await send_document(client, factory, scene, conversation, upload_id)
    assert response.status_code == 202, response.text
    await age_upload(db, upload_id, hours=24 * 40)

    stats = await delete_unsent_uploads(db, storage, older_than=utcnow())

    assert stats.deleted == 0
    row = await upload_row(db, upload_id)
    assert row is not None and row.attached_at is not None
    served = await client.get(response.json()["media"]["url"])
    assert served.status_code == 200 and served.content == pdf


async def test_a_send_of_an_upload_the_sweep_deleted_is_refused(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    conversation: Conversation,
    db: Database,
    storage: MediaStorage,
) -> None:
    upload_id = await uploaded(
        client, factory.auth(scene.agent), simulator_samples.pdf(), "tarde.pdf"
    )
    await age_upload(db, upload_id, hours=25)
    assert (await delete_unsent_uploads(db, storage, older_than=ago(hours=24))).deleted == 1

    response = await send_document(client, factory, scene, conversation, upload_id)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "upload_not_found"
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Message)) == 0


async def test_the_sweep_waits_for_a_send_taking_the_upload_and_keeps_it(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database, storage: MediaStorage
) -> None:
    upload_id = await uploaded(client, factory.auth(scene.agent), simulator_samples.png(), "a.png")
    await age_upload(db, upload_id, hours=30)

    async with db.session() as sending:
        taken = await media_service.mark_attached(
            sending, upload_id=uuid.UUID(upload_id), at=utcnow()
        )
        assert taken
        # The send's transaction is still open: the sweep must not get past its write.
        sweep = asyncio.create_task(delete_unsent_uploads(db, storage, older_than=utcnow()))
        await asyncio.sleep(0.5)
        assert not sweep.done()
        await sending.commit()
    stats = await asyncio.wait_for(sweep, 15)

    assert stats.deleted == 0
    row = await upload_row(db, upload_id)
    assert row is not None and row.attached_at is not None
    assert await storage.size(row.storage_key) == len(simulator_samples.png())


async def test_the_sweep_deletes_in_batches_oldest_first(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database, storage: MediaStorage
) -> None:
    auth = factory.auth(scene.agent)
    ids = [
        await uploaded(client, auth, simulator_samples.pdf(f"n{i}"), f"{i}.pdf") for i in range(5)
    ]
    for hours, upload_id in enumerate(ids, start=25):
        await age_upload(db, upload_id, hours=hours)

    stats = await delete_unsent_uploads(db, storage, older_than=ago(hours=24), batch_size=2)

    assert stats.deleted == 5
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Upload)) == 0
    for upload_id in ids:
        assert await storage.size(f"uploads/{upload_id}") is None


class BrokenDelete(LocalStorage):
    async def delete(self, key: str) -> None:
        raise OSError(f"read-only file system: {key}")


async def test_a_file_that_cannot_be_deleted_is_counted_and_its_row_still_goes(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    settings: Settings,
    storage: MediaStorage,
) -> None:
    upload_id = await uploaded(client, factory.auth(scene.agent), simulator_samples.png(), "b.png")
    await age_upload(db, upload_id, hours=25)

    stats = await delete_unsent_uploads(
        db, BrokenDelete(settings.resolved_media_dir), older_than=ago(hours=24)
    )

    assert (stats.deleted, stats.files_failed) == (1, 1)
    assert await upload_row(db, upload_id) is None


async def test_the_sweeper_deletes_after_the_configured_retention(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    settings: Settings,
    storage: MediaStorage,
    clock: FakeClock,
) -> None:
    upload_id = await uploaded(client, factory.auth(scene.agent), simulator_samples.png(), "c.png")
    sweeper = UploadSweeper(
        db,
        settings.model_copy(update={"upload_retention_hours": 2.0}),
        storage=storage,
        clock=clock,
    )

    clock.advance(3600)
    assert (await sweeper.run_once()).deleted == 0
    clock.advance(3601)
    assert (await sweeper.run_once()).deleted == 1
    assert await upload_row(db, upload_id) is None


async def test_the_sweeper_runs_periodically_and_stops(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    settings: Settings,
    storage: MediaStorage,
) -> None:
    upload_id = await uploaded(client, factory.auth(scene.agent), simulator_samples.png(), "d.png")
    await age_upload(db, upload_id, hours=25)
    sweeper = UploadSweeper(db, settings, storage=storage, interval=0.05, first_delay=0.01)

    sweeper.start()
    try:
        for _ in range(200):
            if await upload_row(db, upload_id) is None:
                break
            await asyncio.sleep(0.05)
    finally:
        await sweeper.stop()

    assert await upload_row(db, upload_id) is None
    assert await storage.size(f"uploads/{upload_id}") is None


async def test_a_zero_retention_turns_the_sweeper_off(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    sweeper = UploadSweeper(
        db,
        settings.model_copy(update={"upload_retention_hours": 0}),
        storage=LocalStorage(tmp_path),
    )
    sweeper.start()
    assert sweeper._task is None
    await sweeper.stop()
