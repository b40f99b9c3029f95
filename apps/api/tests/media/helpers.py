import uuid
from typing import Any

import httpx
import respx
from sqlalchemy import select, update

from atende.core.db import Database, Event
from atende.media.models import Upload
from atende.messages.models import Message
from tests.factories import ago
from tests.media.conftest import WEBHOOK

SIGNED_HEADERS = ("content-type", "x-hub-signature-256")


async def simulate_inbound(
    client: httpx.AsyncClient, auth: dict[str, str], body: dict[str, Any]
) -> httpx.Response:
    """`POST /api/simulator/inbound`, its signed webhook delivered to this same app."""

    async def forward(request: httpx.Request) -> httpx.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() in SIGNED_HEADERS}
        answer = await client.post("/webhook/whatsapp", content=request.content, headers=headers)
        return httpx.Response(answer.status_code, content=answer.content)

    with respx.mock(assert_all_called=False) as mock:
        mock.post(WEBHOOK).mock(side_effect=forward)
        return await client.post("/api/simulator/inbound", json=body, headers=auth)


async def message_by_wamid(db: Database, wamid: str) -> Message:
    async with db.session() as s:
        found = await s.scalar(select(Message).where(Message.wamid == wamid))
        assert found is not None, wamid
        return found


async def reload(db: Database, message_id: uuid.UUID | str) -> Message:
    async with db.session() as s:
        found = await s.get(Message, uuid.UUID(str(message_id)))
        assert found is not None
        return found


def named(events: list[Event], name: str) -> list[Event]:
    return [e for e in events if e.name == name]


async def uploaded(
    client: httpx.AsyncClient, auth: dict[str, str], content: bytes, filename: str
) -> str:
    """`POST /api/uploads`; the new upload's id."""
    response = await client.post(
        "/api/uploads",
        files={"file": (filename, content, "application/octet-stream")},
        headers=auth,
    )
    assert response.status_code == 201, response.text
    upload_id: str = response.json()["id"]
    return upload_id


async def age_upload(db: Database, upload_id: str, *, hours: float) -> None:
    """Makes the upload look `hours` old."""
    async with db.session() as s:
        await s.execute(
            update(Upload)
            .where(Upload.id == uuid.UUID(upload_id))
            .values(created_at=ago(hours=hours))
        )
        await s.commit()


async def upload_row(db: Database, upload_id: str) -> Upload | None:
    async with db.session() as s:
        return await s.get(Upload, uuid.UUID(upload_id))
