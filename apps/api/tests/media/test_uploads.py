"""`POST /api/uploads`: the file is what its bytes say, within Meta's limits for some kind."""

import struct
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from atende.core.db import Database
from atende.media.models import Upload
from atende.media.storage import MediaStorage
from atende.whatsapp import simulator_samples
from tests.factories import Factory
from tests.media.conftest import Scene

MB = 1024 * 1024


def jpeg(size: int) -> bytes:
    return b"\xff\xd8\xff\xe0" + b"\x00" * (size - 4)


def webp(size: int, *, animated: bool) -> bytes:
    flags = 0x02 if animated else 0
    chunk = b"VP8X" + struct.pack("<I", 10) + bytes((flags, 0, 0, 0)) + b"\x00" * 6
    body = b"WEBP" + chunk + b"\x00" * (size - 12 - len(chunk))
    return b"RIFF" + struct.pack("<I", len(body)) + body


async def upload(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    content: bytes,
    filename: str = "file.bin",
    content_type: str = "application/octet-stream",
) -> httpx.Response:
    return await client.post(
        "/api/uploads", files={"file": (filename, content, content_type)}, headers=auth
    )


async def test_upload_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/uploads", files={"file": ("a.png", b"x", "image/png")})
    assert response.status_code == 401


async def test_upload_stores_the_file_and_answers_its_real_type(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    storage: MediaStorage,
) -> None:
    png = simulator_samples.png()
    # The browser's type is only a hint: the bytes are a PNG.
    response = await upload(
        client, factory.auth(scene.agent), png, "../../foto da caixa.png", "image/jpeg"
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "id": body["id"],
        "mime_type": "image/png",
        "size": len(png),
        "filename": "foto da caixa.png",
    }
    async with db.session() as s:
        row = await s.scalar(select(Upload))
    assert row is not None and row.user_id == scene.agent.id
    assert await storage.size(row.storage_key) == len(png)


@pytest.mark.parametrize(
    ("content", "filename", "content_type", "status", "code"),
    [
        (b"GIF89a" + b"\x00" * 100, "a.gif", "image/gif", 422, "unsupported_media"),
        (b"<html><script>x</script>", "a.png", "image/png", 422, "unsupported_media"),
        (b"PK\x03\x04" + b"\x00" * 100, "a.zip", "application/zip", 422, "unsupported_media"),
        (b"", "empty.pdf", "application/pdf", 422, "unsupported_media"),
        (b"\x1a\x45\xdf\xa3" + b"\x00" * 64, "voice.webm", "audio/webm", 422, "unsupported_media"),
        (jpeg(5 * MB + 1), "big.jpg", "image/jpeg", 413, "media_too_large"),
        (webp(150 * 1024, animated=False), "s.webp", "image/webp", 413, "media_too_large"),
    ],
)
async def test_upload_refuses_what_meta_takes_as_no_kind(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    content: bytes,
    filename: str,
    content_type: str,
    status: int,
    code: str,
) -> None:
    response = await upload(client, factory.auth(scene.agent), content, filename, content_type)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    async with db.session() as s:
        assert await s.scalar(select(Upload)) is None


@pytest.mark.parametrize(
    ("content", "filename", "mime_type"),
    [
        (jpeg(5 * MB), "limit.jpg", "image/jpeg"),
        (webp(400 * 1024, animated=True), "anim.webp", "image/webp"),
        (simulator_samples.ogg_opus(), "voice.ogg", "audio/ogg"),
        (simulator_samples.pdf(), "nota.pdf", "application/pdf"),
        ("Olá, número do pedido 4412\n".encode(), "pedido.txt", "text/plain"),
        (
            b"PK\x03\x04" + b"\x00" * 100,
            "planilha.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100, "clip.mp4", "video/mp4"),
    ],
)
async def test_upload_accepts_each_kind_within_its_limit(
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    content: bytes,
    filename: str,
    mime_type: str,
) -> None:
    response = await upload(client, factory.auth(scene.agent), content, filename)
    assert response.status_code == 201, response.text
    assert response.json()["mime_type"] == mime_type


async def test_upload_over_the_largest_limit_is_refused_before_it_is_read(
    client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    headers: dict[str, Any] = {
        **factory.auth(scene.agent),
        "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(101 * MB),
    }
    response = await client.post("/api/uploads", content=b"--x--", headers=headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "media_too_large"


async def test_upload_without_a_file_field_is_invalid(
    client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    response = await client.post(
        "/api/uploads", data={"other": "x"}, files={"nope": ("a.txt", b"hi", "text/plain")},
        headers=factory.auth(scene.agent),
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["loc"] == ["body", "file"]
