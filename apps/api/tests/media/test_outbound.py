"""Outbound media end to end through the simulator: upload to Atende, queue, the outbox
uploads the file to the (simulated) Graph API, then sends it by id with Meta's exact body."""

from typing import Any

import httpx
import pytest

from atende.conversations.models import Conversation
from atende.core.db import Database, Event
from atende.messages.models import MessageStatus
from atende.messages.outbox import OutboxSender
from atende.whatsapp import simulator_samples
from atende.whatsapp.simulator import Simulator
from tests.factories import Factory, ago
from tests.media.conftest import Scene
from tests.media.helpers import named, reload
from tests.media.test_uploads import jpeg, upload, webp


async def uploaded(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, content: bytes, filename: str
) -> str:
    response = await upload(client, factory.auth(scene.agent), content, filename)
    assert response.status_code == 201, response.text
    upload_id: str = response.json()["id"]
    return upload_id


async def send(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    conversation: Conversation,
    body: dict[str, Any],
) -> httpx.Response:
    return await client.post(
        f"/api/conversations/{conversation.id}/messages",
        json=body,
        headers=factory.auth(scene.agent),
    )


async def test_a_document_is_uploaded_to_meta_then_sent_by_id(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    conversation: Conversation,
    db: Database,
    sender: OutboxSender,
    simulator: Simulator,
    events: list[Event],
) -> None:
    pdf = simulator_samples.pdf("Fatura 7781")
    upload_id = await uploaded(client, factory, scene, pdf, "fatura.pdf")

    response = await send(
        client,
        factory,
        scene,
        conversation,
        {"type": "document", "upload_id": upload_id, "caption": "Sua fatura", "filename": "f.pdf"},
    )

    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["status"] == "queued" and queued["type"] == "document"
    assert queued["text"] == "Sua fatura"
    media = queued["media"]
    assert media["status"] == "ready" and media["filename"] == "f.pdf"
    assert media["mime_type"] == "application/pdf" and media["size"] == len(pdf)
    assert media["caption"] == "Sua fatura"
    # The agent's own bubble shows the file before it is even sent.
    own = await client.get(media["url"])
    assert own.status_code == 200 and own.content == pdf
    (new,) = named(events, "message:new")
    assert new.payload["message"]["media"]["status"] == "ready"

    stats = await sender.run_once()

    assert stats.sent == 1
    (body,) = simulator.media.sent
    media_id = body["document"]["id"]
    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+5511988887777",
        "type": "document",
        "document": {"id": media_id, "caption": "Sua fatura", "filename": "f.pdf"},
        "biz_opaque_callback_data": queued["id"],
    }
    stored = simulator.media.get(media_id)
    assert stored is not None
    assert stored.data == pdf and stored.mime_type == "application/pdf"
    assert stored.owner == scene.number.phone_number_id
    message = await reload(db, queued["id"])
    assert message.status == MessageStatus.SENT and message.wamid
    assert message.media_id == media_id
    assert message.payload == body


async def test_a_send_retried_after_the_upload_reuses_the_media_id(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    conversation: Conversation,
    db: Database,
    sender: OutboxSender,
    simulator: Simulator,
) -> None:
    upload_id = await uploaded(client, factory, scene, simulator_samples.png(), "foto.png")
    queued = (
        await send(client, factory, scene, conversation, {"type": "image", "upload_id": upload_id})
    ).json()
    simulator.faults.server_errors = 1

    assert (await sender.run_once()).retried == 1
    message = await reload(db, queued["id"])
    assert message.media_id is not None and message.status == MessageStatus.QUEUED
    async with db.session() as s:
        row = await s.get(type(message), message.id)
        assert row is not None
        row.next_attempt_at = ago(seconds=1)
        await s.commit()
    assert (await sender.run_once()).sent == 1

    assert simulator.media.uploads == 1
    (body,) = simulator.media.sent
    assert body["image"] == {"id": message.media_id}


async def test_a_voice_note_and_a_sticker_take_no_caption(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    conversation: Conversation,
    sender: OutboxSender,
    simulator: Simulator,
) -> None:
    voice = await uploaded(client, factory, scene, simulator_samples.ogg_opus(), "v.ogg")
    sticker = await uploaded(client, factory, scene, webp(50 * 1024, animated=False), "s.webp")
    refused = await send(
        client, factory, scene, conversation, {"type": "audio", "upload_id": voice, "caption": "x"}
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["loc"] == ["body", "caption"]
    for kind, upload_id in (("audio", voice), ("sticker", sticker)):
        response = await send(
            client, factory, scene, conversation, {"type": kind, "upload_id": upload_id}
        )
        assert response.status_code == 202, response.text

    assert (await sender.run_once()).sent == 2

    bodies = {body["type"]: body for body in simulator.media.sent}
    assert set(bodies["audio"]["audio"]) == {"id"}
    assert set(bodies["sticker"]["sticker"]) == {"id"}


@pytest.mark.parametrize(
    ("content", "filename", "kind"),
    [
        (jpeg(1024), "foto.jpg", "sticker"),
        (simulator_samples.png(), "foto.png", "document"),
        (simulator_samples.pdf(), "nota.pdf", "image"),
        (webp(90 * 1024, animated=False), "s.webp", "image"),
    ],
)
async def test_a_file_is_refused_as_a_kind_meta_does_not_take_it_as(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    conversation: Conversation,
    content: bytes,
    filename: str,
    kind: str,
) -> None:
    upload_id = await uploaded(client, factory, scene, content, filename)
    response = await send(
        client, factory, scene, conversation, {"type": kind, "upload_id": upload_id}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unsupported_media"


async def test_an_animated_sticker_may_be_larger_than_a_static_one(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    conversation: Conversation,
) -> None:
    # Animated WebP up to 500 KB uploads (a sticker), but a static one over 100 KB does not:
    # the per-kind size is checked again at send time.
    upload_id = await uploaded(client, factory, scene, webp(400 * 1024, animated=True), "a.webp")
    ok = await send(
        client, factory, scene, conversation, {"type": "sticker", "upload_id": upload_id}
    )
    assert ok.status_code == 202


async def test_media_rules_the_window_the_owner_and_the_filename(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    conversation: Conversation,
    db: Database,
) -> None:
    upload_id = await uploaded(client, factory, scene, simulator_samples.png(), "foto.png")
    not_theirs = await client.post(
        f"/api/conversations/{conversation.id}/messages",
        json={"type": "image", "upload_id": upload_id},
        headers=factory.auth(scene.admin),
    )
    assert not_theirs.status_code == 422
    assert not_theirs.json()["error"]["code"] == "upload_not_found"
    named_image = await send(
        client, factory, scene, conversation,
        {"type": "image", "upload_id": upload_id, "filename": "x.png"},
    )  # fmt: skip
    assert named_image.status_code == 422
    assert named_image.json()["error"]["fields"][0]["loc"] == ["body", "filename"]
    unknown = await send(
        client, factory, scene, conversation,
        {"type": "image", "upload_id": "00000000-0000-7000-8000-000000000000"},
    )  # fmt: skip
    assert unknown.json()["error"]["code"] == "upload_not_found"

    async with db.session() as s:
        row = await s.get(Conversation, conversation.id)
        assert row is not None
        row.last_inbound_at = ago(hours=25)
        await s.commit()
    closed = await send(
        client, factory, scene, conversation, {"type": "image", "upload_id": upload_id}
    )
    assert closed.status_code == 422
    assert closed.json()["error"]["code"] == "outside_customer_service_window"


async def test_media_to_a_contact_opens_a_conversation(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    conversation: Conversation,
) -> None:
    upload_id = await uploaded(client, factory, scene, simulator_samples.png(), "foto.png")
    response = await client.post(
        "/api/messages",
        json={
            "type": "image",
            "upload_id": upload_id,
            "caption": "Olha só",
            "contact_id": str(conversation.contact_id),
            "number_id": str(scene.number.id),
        },
        headers=factory.auth(scene.agent),
    )
    assert response.status_code == 202, response.text
    assert response.json()["conversation_id"] == str(conversation.id)
    assert response.json()["media"]["caption"] == "Olha só"


async def test_a_missing_file_fails_the_send_visibly(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    conversation: Conversation,
    db: Database,
    sender: OutboxSender,
    storage: Any,
) -> None:
    upload_id = await uploaded(client, factory, scene, simulator_samples.png(), "foto.png")
    queued = (
        await send(client, factory, scene, conversation, {"type": "image", "upload_id": upload_id})
    ).json()
    message = await reload(db, queued["id"])
    assert message.media_path is not None
    await storage.delete(message.media_path)
    settings_attempts = sender.settings.send_max_attempts
    for _ in range(settings_attempts):
        await sender.run_once()
        async with db.session() as s:
            row = await s.get(type(message), message.id)
            assert row is not None
            if row.status != MessageStatus.QUEUED:
                break
            row.next_attempt_at = ago(seconds=1)
            await s.commit()
    failed = await reload(db, queued["id"])
    assert failed.status == MessageStatus.FAILED
    assert failed.error_title is not None and "could not be read" in failed.error_title
