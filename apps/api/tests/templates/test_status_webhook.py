"""The `message_template_status_update` webhook, signed and posted like Meta's."""

import copy
from typing import Any

import httpx
from sqlalchemy import select

from atende.core.db import Database
from atende.templates.models import Template
from tests.factories import Factory
from tests.templates.conftest import Scene
from tests.webhook import helpers as h


def status_update(event: str, **value: Any) -> dict[str, Any]:
    """The payload fixture for `pedido_enviado` (Meta's id 1712345678901234), with `event`."""
    envelope = copy.deepcopy(h.payload("template_status"))
    change = envelope["entry"][0]["changes"][0]["value"]
    change["event"] = event
    change["message_template_name"] = "pedido_enviado"
    change["message_template_language"] = "pt_BR"
    change.update(value)
    return envelope


async def template(db: Database, template_id: Any) -> Template:
    async with db.session() as s:
        found = await s.scalar(select(Template).where(Template.id == template_id))
        assert found is not None
        return found


async def test_a_rejection_updates_the_stored_status(
    client: httpx.AsyncClient, scene: Scene, db: Database
) -> None:
    response = await h.post(client, "template_status")

    assert response.status_code == 200
    stored = await template(db, scene.order_shipped.id)
    assert stored.status == "rejected"
    assert stored.status_reason == "INVALID_FORMAT"
    # Only that template changed.
    assert (await template(db, scene.resume.id)).status == "approved"


async def test_redelivery_is_harmless(
    client: httpx.AsyncClient, scene: Scene, db: Database
) -> None:
    body = h.payload_bytes("template_status")
    for _ in range(2):
        assert (await h.post_body(client, body)).status_code == 200
    stored = await template(db, scene.order_shipped.id)
    assert stored.status == "rejected"


async def test_pause_then_reinstatement(
    client: httpx.AsyncClient, scene: Scene, db: Database
) -> None:
    await h.post(client, status_update("PAUSED", reason=None))
    assert (await template(db, scene.order_shipped.id)).status == "paused"

    await h.post(client, status_update("REINSTATED", reason=None))
    stored = await template(db, scene.order_shipped.id)
    assert stored.status == "approved"
    assert stored.status_reason is None


async def test_flagged_leaves_the_template_sendable(
    client: httpx.AsyncClient, scene: Scene, db: Database
) -> None:
    response = await h.post(client, status_update("FLAGGED", reason=None))
    assert response.status_code == 200
    assert (await template(db, scene.order_shipped.id)).status == "approved"


async def test_an_unknown_template_is_acknowledged(
    client: httpx.AsyncClient, scene: Scene, db: Database
) -> None:
    response = await h.post(client, status_update("DISABLED", message_template_id=42))
    assert response.status_code == 200
    assert (await template(db, scene.order_shipped.id)).status == "approved"


async def test_another_wabas_template_is_not_touched(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database
) -> None:
    envelope = status_update("DISABLED")
    envelope["entry"][0]["id"] = "999999999"
    response = await h.post(client, envelope)
    assert response.status_code == 200
    assert (await template(db, scene.order_shipped.id)).status == "approved"


async def test_a_value_without_template_id_is_acknowledged(
    client: httpx.AsyncClient, scene: Scene, db: Database
) -> None:
    envelope = status_update("DISABLED")
    del envelope["entry"][0]["changes"][0]["value"]["message_template_id"]
    response = await h.post(client, envelope)
    assert response.status_code == 200
    assert (await template(db, scene.order_shipped.id)).status == "approved"


async def test_a_status_update_next_to_messages_commits_both(
    client: httpx.AsyncClient, scene: Scene, db: Database
) -> None:
    text = h.payload("text")
    text["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = (
        scene.number.phone_number_id
    )
    envelope = status_update("PAUSED")
    envelope["entry"].extend(text["entry"])

    response = await h.post(client, envelope)

    assert response.status_code == 200
    assert (await template(db, scene.order_shipped.id)).status == "paused"
    assert len(await h.messages(db)) == 1


async def test_without_a_signature_nothing_changes(
    client: httpx.AsyncClient, scene: Scene, db: Database
) -> None:
    response = await client.post(
        h.URL,
        content=h.payload_bytes("template_status"),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 401
    assert (await template(db, scene.order_shipped.id)).status == "approved"
