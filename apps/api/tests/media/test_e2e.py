"""Media end to end over real HTTP: a real server with the embedded sender and media fetcher,
a simulated customer sending a picture, an agent sending a document back."""

import asyncio
import time
from typing import Any

import httpx
import pytest

from atende.core.db import Database
from atende.users.models import Role
from atende.whatsapp import simulator_samples
from tests.factories import DEFAULT_PASSWORD, Factory
from tests.whatsapp.test_simulator_e2e import Server, server  # noqa: F401

pytestmark = pytest.mark.slow


async def poll(client: httpx.AsyncClient, path: str, done: Any, *, seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        body = (await client.get(path)).json()
        if done(body) or time.monotonic() > deadline:
            return body
        await asyncio.sleep(0.1)


async def test_pictures_in_and_documents_out_through_a_running_server(
    server: Server,  # noqa: F811
) -> None:
    db = Database(server.settings.database_url)
    async with db.session() as session:
        factory = Factory(session, server.settings)
        admin = await factory.user(role=Role.ADMIN, email="media-e2e@example.com")
        number = await factory.number(phone_number_id="555000222", simulated=True)
        await factory.commit()
        email, number_id = admin.email, str(number.id)
    await db.dispose()

    async with httpx.AsyncClient(base_url=server.url, timeout=15) as client:
        login = await client.post(
            "/api/auth/login", json={"email": email, "password": DEFAULT_PASSWORD}
        )
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        sent = await client.post(
            "/api/simulator/inbound",
            json={
                "number_id": number_id,
                "wa_id": "5511988887777",
                "name": "Dana",
                "type": "image",
                "text": "olha a caixa",
            },
        )
        assert sent.status_code == 202, sent.text
        inbox = await poll(client, "/api/conversations?view=all", lambda b: b["items"])
        (conversation,) = inbox["items"]
        thread = f"/api/conversations/{conversation['id']}/messages"

        def image_ready(body: dict[str, Any]) -> bool:
            return any((m["media"] or {}).get("status") == "ready" for m in body["items"])

        body = await poll(client, thread, image_ready)
        (image,) = body["items"]
        assert image["media"]["status"] == "ready", image
        assert image["media"]["caption"] == "olha a caixa"
        served = await httpx.AsyncClient(base_url=server.url).get(image["media"]["url"])
        assert served.headers["content-type"] == "image/png"
        assert served.content == simulator_samples.png()

        upload = await client.post(
            "/api/uploads",
            files={"file": ("nota.pdf", simulator_samples.pdf(), "application/pdf")},
        )
        assert upload.status_code == 201, upload.text
        reply = await client.post(
            thread,
            json={"type": "document", "upload_id": upload.json()["id"], "caption": "Sua nota"},
        )
        assert reply.status_code == 202, reply.text

        def reply_delivered(body: dict[str, Any]) -> bool:
            found = [m for m in body["items"] if m["id"] == reply.json()["id"]]
            return bool(found and found[0]["status"] in ("delivered", "read"))

        final = await poll(client, thread, reply_delivered)
        (document,) = [m for m in final["items"] if m["id"] == reply.json()["id"]]
        assert document["status"] in ("delivered", "read"), document
        state = (await client.get("/simulator/_control")).json()
        assert state["media"]["uploads"] == 1 and state["media"]["sent"] == 1
