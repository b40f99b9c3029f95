"""The S3 backend against a real S3 API: moto's server, started on a free port."""

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from fastapi import FastAPI

from atende.core.config import Settings
from atende.core.db import Database
from atende.media import links
from atende.media.cleanup import delete_unsent_uploads
from atende.media.fetcher import MediaFetcher
from atende.media.storage import S3Storage, StorageError, storage_from_settings
from atende.whatsapp import simulator_samples
from atende.whatsapp.client import GraphClient
from tests.factories import Factory, ago
from tests.media.conftest import Scene
from tests.media.helpers import (
    age_upload,
    message_by_wamid,
    simulate_inbound,
    upload_row,
    uploaded,
)

BUCKET = "atende-media"
CREDENTIALS = {"s3_access_key_id": "testing", "s3_secret_access_key": "testing"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    binary = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    if not Path(binary).exists():
        pytest.skip("moto[server] is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(url + "/moto-api/", timeout=1)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("moto_server did not start")
            time.sleep(0.1)
    client = boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def settings(settings: Settings, s3_endpoint: str) -> Settings:
    return settings.model_copy(
        update={
            "s3_bucket": BUCKET,
            "s3_endpoint_url": s3_endpoint,
            "s3_region": "us-east-1",
            "s3_prefix": "test/",
            **CREDENTIALS,
        }
    )


async def test_s3_storage_puts_serves_ranges_copies_and_deletes(
    settings: Settings, tmp_path: Path
) -> None:
    storage = storage_from_settings(settings)
    assert isinstance(storage, S3Storage)
    source = tmp_path / "file.pdf"
    pdf = simulator_samples.pdf()
    source.write_bytes(pdf)

    await storage.put_file("uploads/abc", source, content_type="application/pdf")

    assert not source.exists()  # consumed
    assert await storage.size("uploads/abc") == len(pdf)
    assert await storage.size("uploads/missing") is None
    chunks = [c async for c in storage.iter_range("uploads/abc", 5, 20)]
    assert b"".join(chunks) == pdf[5:21]
    async with storage.local_copy("uploads/abc") as copy:
        assert copy.read_bytes() == pdf
    head = await asyncio.to_thread(
        storage._client.head_object, Bucket=BUCKET, Key="test/uploads/abc"
    )
    assert head["ContentType"] == "application/pdf"
    await storage.delete("uploads/abc")
    assert await storage.size("uploads/abc") is None
    with pytest.raises(StorageError):
        async with storage.local_copy("uploads/abc"):
            pass
    with pytest.raises(StorageError):
        await storage.put_file("../escape", source, content_type="text/plain")
    await storage.aclose()


@pytest.fixture
async def s3_app(app: FastAPI) -> FastAPI:
    assert isinstance(app.state.media_storage, S3Storage)
    return app


async def test_inbound_media_is_fetched_into_s3_and_served_from_it(
    s3_app: FastAPI,
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    settings: Settings,
) -> None:
    response = await simulate_inbound(
        client,
        factory.auth(scene.admin),
        {"number_id": str(scene.number.id), "wa_id": "5511988887777", "name": "D", "type": "image"},
    )
    wamid = response.json()["wamid"]
    graph = GraphClient(
        base_url=settings.graph_api_base_url,
        version=settings.graph_version,
        transport=httpx.ASGITransport(app=s3_app),
        max_connections=2,
    )
    fetcher = MediaFetcher(
        db,
        settings,
        graph=graph,
        storage=s3_app.state.media_storage,
        secret=settings.resolved_jwt_secret(),
    )
    try:
        assert (await fetcher.run_once()).ready == 1
    finally:
        await graph.aclose()

    message = await message_by_wamid(db, wamid)
    assert message.media_path == f"inbound/{message.id}"
    served = await client.get(links.signed_url(message.id))
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content == simulator_samples.png()


async def test_an_upload_lands_in_s3(
    s3_app: FastAPI, client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    pdf = simulator_samples.pdf()
    response = await client.post(
        "/api/uploads",
        files={"file": ("nota.pdf", pdf, "application/pdf")},
        headers=factory.auth(scene.agent),
    )
    assert response.status_code == 201
    storage = s3_app.state.media_storage
    assert await storage.size(f"uploads/{response.json()['id']}") == len(pdf)


async def test_an_unsent_upload_is_deleted_from_s3_and_a_sent_one_kept(
    s3_app: FastAPI,
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
) -> None:
    storage = s3_app.state.media_storage
    auth = factory.auth(scene.agent)
    contact = await factory.contact(wa_id="5511988887777", name="Dana")
    conversation = await factory.conversation(
        number=scene.number, contact=contact, team=scene.team, last_inbound_at=ago(hours=1)
    )
    await factory.commit()
    unsent = await uploaded(client, auth, simulator_samples.pdf("rascunho"), "rascunho.pdf")
    sent = await uploaded(client, auth, simulator_samples.pdf("enviado"), "enviado.pdf")
    response = await client.post(
        f"/api/conversations/{conversation.id}/messages",
        json={"type": "document", "upload_id": sent},
        headers=auth,
    )
    assert response.status_code == 202, response.text
    for upload_id in (unsent, sent):
        await age_upload(db, upload_id, hours=25)

    stats = await delete_unsent_uploads(db, storage, older_than=ago(hours=24))

    assert (stats.deleted, stats.files_failed) == (1, 0)
    assert await upload_row(db, unsent) is None
    assert await storage.size(f"uploads/{unsent}") is None
    assert await storage.size(f"uploads/{sent}") == len(simulator_samples.pdf("enviado"))
    served = await client.get(response.json()["media"]["url"])
    assert served.status_code == 200 and served.content == simulator_samples.pdf("enviado")
