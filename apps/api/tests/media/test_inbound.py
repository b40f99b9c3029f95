"""Inbound media: the webhook stores the message at once, the fetcher downloads the file from
the (simulated) Graph API, checks it, stores it, and it is served to who may see it."""

import asyncio
import base64
import hashlib
import time
from datetime import timedelta

import httpx
import pytest

from atende.core.db import Database, Event
from atende.core.types import utcnow
from atende.media import fetch_store, links
from atende.messages.models import MediaStatus
from atende.whatsapp import simulator_samples
from atende.whatsapp.simulator import Simulator
from tests.factories import Factory
from tests.media.conftest import FakeClock, FetcherFactory, Scene
from tests.media.helpers import message_by_wamid, named, reload, simulate_inbound


async def inbound(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, kind: str = "image", **extra: str
) -> str:
    response = await simulate_inbound(
        client,
        factory.auth(scene.admin),
        {
            "number_id": str(scene.number.id),
            "wa_id": "5511988887777",
            "name": "Dana",
            "type": kind,
            **extra,
        },
    )
    assert response.status_code == 202, response.text
    wamid: str = response.json()["wamid"]
    return wamid


async def thread_message(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, conversation_id: object
) -> dict[str, object]:
    response = await client.get(
        f"/api/conversations/{conversation_id}/messages", headers=factory.auth(scene.agent)
    )
    assert response.status_code == 200
    (message,) = response.json()["items"]
    assert isinstance(message, dict)
    return message


async def test_inbound_image_is_stored_pending_then_fetched_checked_and_served(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    make_fetcher: FetcherFactory,
    simulator: Simulator,
    events: list[Event],
) -> None:
    wamid = await inbound(client, factory, scene, "image", text="caixa amassada")
    stored = await message_by_wamid(db, wamid)
    assert stored.type == "image"
    assert stored.media_status == MediaStatus.PENDING
    assert stored.media_id and stored.media_mime_type == "image/png"
    assert stored.text == "caixa amassada"
    before = await thread_message(client, factory, scene, stored.conversation_id)
    assert before["media"] == {
        "mime_type": "image/png",
        "size": None,
        "filename": None,
        "caption": "caixa amassada",
        "status": "pending",
        "url": None,
        "error": None,
    }

    stats = await make_fetcher().run_once()

    assert stats.ready == 1
    png = simulator_samples.png()
    message = await reload(db, stored.id)
    assert message.media_status == MediaStatus.READY
    assert message.media_size == len(png)
    assert message.media_attempts == 1 and message.media_next_attempt_at is None
    assert message.media_sha256 == base64.b64encode(hashlib.sha256(png).digest()).decode()
    after = await thread_message(client, factory, scene, stored.conversation_id)
    media = after["media"]
    assert isinstance(media, dict)
    assert media["status"] == "ready" and media["size"] == len(png)
    assert media["url"].startswith(f"/api/media/{stored.id}?exp=")
    (updated,) = named(events, "message:updated")
    assert updated.payload["message"]["media"]["status"] == "ready"
    assert updated.payload["message"]["media"]["url"].startswith("/api/media/")
    assert "team:" + str(scene.team.id) in updated.rooms

    # The signed link needs no token; the authorised route needs one and the right team.
    signed = await client.get(media["url"])
    assert signed.status_code == 200
    assert signed.headers["content-type"] == "image/png"
    assert signed.content == png
    assert signed.headers["cache-control"].startswith("private, max-age=")
    authorised = await client.get(
        f"/api/messages/{stored.id}/media", headers=factory.auth(scene.agent)
    )
    assert authorised.status_code == 200 and authorised.content == png
    assert authorised.headers["content-type"] == "image/png"
    assert authorised.headers["x-content-type-options"] == "nosniff"
    assert (await client.get(f"/api/messages/{stored.id}/media")).status_code == 401
    other_team = await client.get(
        f"/api/messages/{stored.id}/media", headers=factory.auth(scene.outsider)
    )
    assert other_team.status_code == 404
    assert other_team.json()["error"]["code"] == "not_found"


async def test_signed_links_expire_and_cannot_be_forged(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    make_fetcher: FetcherFactory,
) -> None:
    wamid = await inbound(client, factory, scene, "image")
    message = await message_by_wamid(db, wamid)
    await make_fetcher().run_once()

    old = links.signed_url(message.id, now=time.time() - 3600)
    expired = await client.get(old)
    assert expired.status_code == 404
    assert expired.json()["error"]["code"] == "link_expired"
    fresh = links.signed_url(message.id)
    forged = await client.get(fresh[:-4] + "AAAA")
    assert forged.status_code == 404 and forged.json()["error"]["code"] == "not_found"
    exp = fresh.split("exp=")[1].split("&")[0]
    later = fresh.replace(f"exp={exp}", f"exp={int(exp) + 3600}")
    assert (await client.get(later)).status_code == 404
    # Another message's signature does not open this one.
    other = links.signed_url(scene.number.id)
    swapped = f"/api/media/{message.id}?" + other.split("?")[1]
    assert (await client.get(swapped)).status_code == 404
    assert (await client.get(fresh)).status_code == 200


async def test_voice_note_and_document_are_served_with_their_types(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    make_fetcher: FetcherFactory,
) -> None:
    voice = await inbound(client, factory, scene, "audio")
    document = await inbound(client, factory, scene, "document", filename="nota fiscal.pdf")
    assert (await make_fetcher().run_once()).ready == 2

    audio = await message_by_wamid(db, voice)
    served = await client.get(links.signed_url(audio.id))
    assert served.headers["content-type"] == "audio/ogg; codecs=opus"
    assert served.content == simulator_samples.ogg_opus()
    # Players seek with Range requests.
    part = await client.get(links.signed_url(audio.id), headers={"Range": "bytes=4-11"})
    assert part.status_code == 206
    assert part.content == simulator_samples.ogg_opus()[4:12]
    assert part.headers["content-range"] == f"bytes 4-11/{len(simulator_samples.ogg_opus())}"

    pdf = await message_by_wamid(db, document)
    assert pdf.media_filename == "nota fiscal.pdf"
    served = await client.get(links.signed_url(pdf.id))
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"] == (
        "inline; filename=\"nota fiscal.pdf\"; filename*=UTF-8''nota%20fiscal.pdf"
    )
    assert served.content.startswith(b"%PDF-")


async def test_a_sha256_mismatch_is_retried_then_fails_visibly(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    make_fetcher: FetcherFactory,
    simulator: Simulator,
    clock: FakeClock,
    events: list[Event],
) -> None:
    wamid = await inbound(client, factory, scene, "image")
    simulator.faults.corrupt_media = 10
    fetcher = make_fetcher()

    first = await fetcher.run_once()
    assert first.retried == 1
    message = await message_by_wamid(db, wamid)
    assert message.media_status == MediaStatus.PENDING
    assert message.media_error == "The file's SHA-256 does not match Meta's"
    assert message.media_next_attempt_at is not None
    assert not named(events, "message:updated")
    clock.advance(1)
    assert (await fetcher.run_once()).retried == 1
    clock.advance(1)
    assert (await fetcher.run_once()).failed == 1  # media_max_attempts = 3

    failed = await reload(db, message.id)
    assert failed.media_status == MediaStatus.FAILED and failed.media_attempts == 3
    assert failed.media_path is None
    (updated,) = named(events, "message:updated")
    assert updated.payload["message"]["media"]["status"] == "failed"
    assert updated.payload["message"]["media"]["error"] == (
        "The file's SHA-256 does not match Meta's"
    )
    assert updated.payload["message"]["media"]["url"] is None
    clock.advance(3600)
    assert (await fetcher.run_once()).failed == 0  # nothing left to claim


async def test_a_corrupted_download_succeeds_on_the_retry(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    make_fetcher: FetcherFactory,
    simulator: Simulator,
    clock: FakeClock,
) -> None:
    wamid = await inbound(client, factory, scene, "image")
    simulator.faults.corrupt_media = 1
    fetcher = make_fetcher()
    assert (await fetcher.run_once()).retried == 1
    clock.advance(1)
    assert (await fetcher.run_once()).ready == 1
    message = await message_by_wamid(db, wamid)
    assert message.media_status == MediaStatus.READY and message.media_attempts == 2
    assert message.media_error is None


async def test_an_expired_url_is_looked_up_again(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    make_fetcher: FetcherFactory,
    simulator: Simulator,
) -> None:
    wamid = await inbound(client, factory, scene, "image")
    simulator.faults.expire_media_urls = 1

    stats = await make_fetcher().run_once()

    assert stats.ready == 1
    assert simulator.media.lookups == 2 and simulator.media.downloads == 1
    message = await message_by_wamid(db, wamid)
    assert message.media_status == MediaStatus.READY and message.media_attempts == 1


async def test_a_media_id_meta_no_longer_has_fails_at_once(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    make_fetcher: FetcherFactory,
    simulator: Simulator,
) -> None:
    wamid = await inbound(client, factory, scene, "image")
    simulator.media.clear()  # like a media id older than Meta's 7 days

    stats = await make_fetcher().run_once()

    assert stats.failed == 1
    message = await message_by_wamid(db, wamid)
    assert message.media_status == MediaStatus.FAILED and message.media_attempts == 1
    assert message.media_error == "Invalid parameter"


async def test_a_claimed_job_whose_lease_expired_is_resumed(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    make_fetcher: FetcherFactory,
    clock: FakeClock,
) -> None:
    wamid = await inbound(client, factory, scene, "image")
    # A fetcher claims the job, then its process dies before recording anything.
    async with db.session() as session:
        (job,) = await fetch_store.claim(
            session, now=clock(), lease=timedelta(seconds=300), limit=10
        )
        await session.commit()
    assert job.attempts == 1

    fetcher = make_fetcher()
    assert (await fetcher.run_once()).ready == 0  # still leased
    clock.advance(301)
    assert (await fetcher.run_once()).ready == 1

    message = await message_by_wamid(db, wamid)
    assert message.media_status == MediaStatus.READY and message.media_attempts == 2
    # The dead fetcher's late result is fenced off.
    async with db.session() as session:
        assert not await fetch_store.record_failed(session, job, error="late")
        await session.commit()
    assert (await reload(db, message.id)).media_status == MediaStatus.READY


@pytest.mark.parametrize("kind", ["image", "audio", "document"])
async def test_the_simulated_customer_sends_media_through_the_signed_webhook(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    simulator: Simulator,
    kind: str,
) -> None:
    wamid = await inbound(client, factory, scene, kind)
    message = await message_by_wamid(db, wamid)
    assert message.type == kind
    assert message.payload is not None
    media = message.payload[kind]
    stored = simulator.media.get(media["id"])
    assert stored is not None and stored.owner == scene.number.phone_number_id
    assert media["sha256"] == stored.sha256
    assert media["mime_type"] == stored.mime_type
    if kind == "audio":
        assert media["voice"] is True
    if kind == "document":
        assert media["filename"] == "documento.pdf"


async def test_the_running_fetcher_picks_up_new_media_and_stops_cleanly(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    make_fetcher: FetcherFactory,
) -> None:
    fetcher = make_fetcher(clock=utcnow)
    fetcher.settings = fetcher.settings.model_copy(update={"media_poll_seconds": 0.05})
    fetcher.start()
    try:
        wamid = await inbound(client, factory, scene, "document")
        deadline = time.monotonic() + 10
        while (await message_by_wamid(db, wamid)).media_status == MediaStatus.PENDING:
            assert time.monotonic() < deadline, "the fetcher did not fetch"
            await asyncio.sleep(0.05)
    finally:
        await fetcher.stop()
    assert (await message_by_wamid(db, wamid)).media_status == MediaStatus.READY
    assert fetcher.totals.ready == 1


async def test_simulator_media_urls_need_the_token_and_expire(
    client: httpx.AsyncClient, simulator: Simulator
) -> None:
    stored = simulator.media.add(owner="555", data=b"%PDF-1.4 x", mime_type="application/pdf")
    auth = {"Authorization": "Bearer any"}
    assert (await client.get(f"/simulator/v25.0/{stored.id}")).status_code == 401
    wrong_number = await client.get(
        f"/simulator/v25.0/{stored.id}", params={"phone_number_id": "999"}, headers=auth
    )
    assert wrong_number.json()["error"]["code"] == 100
    simulator.faults.media_url_seconds = 0.05
    lookup = (await client.get(f"/simulator/v25.0/{stored.id}", headers=auth)).json()
    assert lookup["file_size"] == "10" and lookup["mime_type"] == "application/pdf"
    url = lookup["url"].removeprefix("http://sim.test")
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=auth)).content == b"%PDF-1.4 x"
    await asyncio.sleep(0.1)
    assert (await client.get(url, headers=auth)).status_code == 404


async def test_simulator_uploads_check_the_type_like_meta(
    client: httpx.AsyncClient, simulator: Simulator
) -> None:
    auth = {"Authorization": "Bearer any"}
    url = "/simulator/v25.0/555/media"
    png = simulator_samples.png()
    fields = {"messaging_product": "whatsapp", "type": "image/png"}
    ok = await client.post(
        url, data=fields, files={"file": ("a.png", png, "image/png")}, headers=auth
    )
    assert ok.status_code == 200
    stored = simulator.media.get(ok.json()["id"])
    assert stored is not None and stored.data == png and stored.owner == "555"
    mismatch = await client.post(
        url,
        data={**fields, "type": "image/jpeg"},
        files={"file": ("a.png", png, "image/png")},
        headers=auth,
    )
    assert mismatch.json()["error"]["code"] == 131053
    missing = await client.post(url, data=fields, headers=auth)
    assert missing.json()["error"]["code"] == 100
