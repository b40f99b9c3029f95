"""The media pieces on their own: the Graph client's media calls (against MockTransport),
signed links, type sniffing, hash comparison and the Graph body builders."""

import base64
import hashlib
import io
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from atende.media import links
from atende.media.fetcher import digest_matches
from atende.media.service import clean_filename
from atende.media.sniff import sniff
from atende.whatsapp import simulator_samples
from atende.whatsapp.client import GraphClient
from atende.whatsapp.exceptions import WhatsAppError
from atende.whatsapp.schemas import media_awaiting_upload, media_message_body, with_media_id

Handler = Callable[[httpx.Request], httpx.Response]


def make_client(handler: Handler) -> GraphClient:
    return GraphClient(
        base_url="https://graph.test", version="v25.0", transport=httpx.MockTransport(handler)
    )


async def test_get_media_url_asks_for_the_id_with_the_number() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "messaging_product": "whatsapp",
                "url": "https://lookaside.fbsbx.test/whatsapp_business/attachments/?mid=1",
                "mime_type": "image/jpeg",
                "sha256": "q3Vv0rJ8Yc2mJ0sH8x0bJm5f1p4W1Yl9n6T0b4kqg2c=",
                "file_size": "303833",
                "id": "1598203344556677",
            },
        )

    client = make_client(handler)
    info = await client.get_media_url("1598203344556677", "tok", phone_number_id="106540")
    await client.aclose()

    (request,) = seen
    assert str(request.url) == "https://graph.test/v25.0/1598203344556677?phone_number_id=106540"
    assert request.headers["authorization"] == "Bearer tok"
    assert info.file_size == 303833  # a string in Meta's docs
    assert info.url.startswith("https://lookaside")


async def test_download_streams_with_the_token_and_hashes() -> None:
    data = b"\xff\xd8\xff" + bytes(range(256)) * 100

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer tok"
        return httpx.Response(200, content=data, headers={"Content-Type": "image/jpeg"})

    client = make_client(handler)
    sink = io.BytesIO()
    downloaded = await client.download_media("https://cdn.test/x", "tok", sink, max_bytes=10**6)
    with pytest.raises(WhatsAppError, match="larger than"):
        await client.download_media("https://cdn.test/x", "tok", io.BytesIO(), max_bytes=100)
    await client.aclose()

    assert sink.getvalue() == data
    assert downloaded.size == len(data)
    assert downloaded.sha256 == hashlib.sha256(data).digest()
    assert downloaded.content_type == "image/jpeg"


async def test_an_expired_download_url_answers_404_and_is_not_retried_as_such() -> None:
    client = make_client(lambda _: httpx.Response(404))
    with pytest.raises(WhatsAppError) as caught:
        await client.download_media("https://cdn.test/x", "tok", io.BytesIO(), max_bytes=10)
    await client.aclose()
    assert caught.value.http_status == 404


async def test_upload_posts_metas_multipart_fields(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "1598203344550001"})

    path = tmp_path / "f.pdf"
    path.write_bytes(simulator_samples.pdf())
    client = make_client(handler)
    media_id = await client.upload_media(
        "106540", "tok", path, mime_type="application/pdf", filename="fatura.pdf"
    )
    await client.aclose()

    assert media_id == "1598203344550001"
    (request,) = seen
    assert str(request.url) == "https://graph.test/v25.0/106540/media"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    body = request.read()
    assert b'name="messaging_product"\r\n\r\nwhatsapp' in body
    assert b'name="type"\r\n\r\napplication/pdf' in body
    assert b'name="file"; filename="fatura.pdf"\r\nContent-Type: application/pdf' in body
    assert simulator_samples.pdf() in body


async def test_upload_errors_keep_metas_code(tmp_path: Path) -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400, json={"error": {"message": "(#131053) Media upload error", "code": 131053}}
        )

    path = tmp_path / "f.png"
    path.write_bytes(b"x")
    client = make_client(handler)
    with pytest.raises(WhatsAppError) as caught:
        await client.upload_media("1", "tok", path, mime_type="image/png", filename="f.png")
    await client.aclose()
    assert caught.value.code == 131053 and not caught.value.retryable


def test_links_round_expiry_and_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    # The process-wide key is the running apps'; this test works on a copy.
    monkeypatch.setattr(links, "_config", links._Config(key=b"", seconds=600))
    links.configure("a-secret", seconds=600)
    message_id = uuid.uuid4()
    url = links.signed_url(message_id, now=1_000_000)
    exp = int(url.split("exp=")[1].split("&")[0])
    sig = url.split("sig=")[1]
    assert 1_000_300 <= exp <= 1_000_600 and exp % 300 == 0
    assert links.signed_url(message_id, now=1_000_001) == url  # cache-friendly
    assert links.check(message_id, exp, sig, now=exp) == links.LinkCheck.VALID
    assert links.check(message_id, exp, sig, now=exp + 1) == links.LinkCheck.EXPIRED
    assert links.check(uuid.uuid4(), exp, sig, now=exp) == links.LinkCheck.INVALID
    assert links.check(message_id, exp, "ä" + sig[1:], now=exp) == links.LinkCheck.INVALID
    links.configure("another-secret", seconds=600)
    assert links.check(message_id, exp, sig, now=exp) == links.LinkCheck.INVALID


@pytest.mark.parametrize(
    ("head", "declared", "filename", "expected"),
    [
        (simulator_samples.png(), "image/jpeg", None, "image/png"),
        (simulator_samples.ogg_opus(), None, None, "audio/ogg"),
        (b"OggS\x00\x02" + b"\x00" * 20 + b"\x01vorbis", None, None, "application/ogg"),
        (simulator_samples.ogg_opus().replace(b"OpusHead\x01\x01", b"OpusHead\x01\x02"),
         None, None, "application/ogg"),
        (simulator_samples.pdf(), None, None, "application/pdf"),
        (b"\x00\x00\x00\x18ftyp3gp4", None, None, "video/3gpp"),
        (b"\x00\x00\x00\x18ftypM4A ", None, None, "audio/mp4"),
        (b"ID3\x03", None, None, "audio/mpeg"),
        (b"\xff\xf1\x50\x80", None, None, "audio/aac"),
        (b"#!AMR\n", None, None, "audio/amr"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", None, "a.xls", "application/vnd.ms-excel"),
        (b"PK\x03\x04", None, "b.docx", "application/"
         "vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (b"PK\x03\x04", "application/zip", "b.zip", "application/zip"),
        ("ação".encode() + b"\xc3", "text/plain", "a.txt", "text/plain"),
        (b"plain words", None, "notes.md", "application/octet-stream"),
        (b"\x00\x01binary", "text/plain", "a.txt", "application/octet-stream"),
    ],
)  # fmt: skip
def test_sniff_trusts_bytes_over_the_declared_type(
    head: bytes, declared: str | None, filename: str | None, expected: str
) -> None:
    assert sniff(head[:4096], declared=declared, filename=filename).mime_type == expected


def test_digest_matches_base64_and_hex() -> None:
    digest = hashlib.sha256(b"abc").digest()
    assert digest_matches(base64.b64encode(digest).decode(), digest)
    assert digest_matches(digest.hex(), digest)
    assert not digest_matches(base64.b64encode(b"\x00" * 32).decode(), digest)
    assert not digest_matches("not a hash", digest)


def test_filenames_lose_paths_and_control_characters() -> None:
    assert clean_filename("C:\\Users\\ana\\nota.pdf") == "nota.pdf"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename('a"b\x00c.pdf') == "a_b_c.pdf"
    assert clean_filename("   ") is None
    long = clean_filename("x" * 300 + ".pdf")
    assert long is not None and len(long) == 255 and long.endswith(".pdf")


def test_media_bodies_follow_metas_shapes() -> None:
    body = media_message_body(
        wa_id="5511988887777",
        user_id=None,
        kind="audio",
        caption="ignored for audio",
        filename="ignored.ogg",
        callback_data="m1",
    )
    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+5511988887777",
        "type": "audio",
        "audio": {},
        "biz_opaque_callback_data": "m1",
    }
    assert media_awaiting_upload(body) == "audio"
    sent = with_media_id(body, "42")
    assert sent["audio"] == {"id": "42"}
    assert media_awaiting_upload(sent) is None
    bsuid = media_message_body(wa_id=None, user_id="BR.1", kind="image", caption="oi")
    assert bsuid["recipient"] == "BR.1" and bsuid["image"] == {"caption": "oi"}
