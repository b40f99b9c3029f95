"""Text survives every hop byte for byte: emoji (as the surrogate-pair escapes Meta sends),
right-to-left scripts, zero-width characters, combining marks and 4096-character messages,
inbound through webhook → database → REST API → socket event, and outbound through
REST API → outbox → the Graph request body."""

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import orjson

from atende.core.config import Settings
from atende.core.db import Database
from atende.messages.models import Message
from atende.messages.outbox import OutboxSender
from atende.users.models import Role
from atende.whatsapp.client import GraphClient
from atende.whatsapp.envelopes import contact, text_message, wrap
from atende.whatsapp.ratelimit import TokenBucket
from atende.whatsapp.signature import sign
from tests.factories import Factory
from tests.realtime.conftest import Client, Connect, LiveServer

PHONE_NUMBER_ID = "209988776655443"
CUSTOMER = "5511987650001"
CUSTOMER_NAME = "Dana 🌸 دانة"
TEXTS = {
    "emoji": "Olá 😮 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇧🇷 ❤️",
    "rtl": "مرحبا بك \u200f שלום עולם \u202eabc\u202c",
    "zero_width": "a\u200bb\u200cc\u200dd\ufeffe\u2060f",
    "combining": "Jose\u0301 e\u0301 n\u0303 Z\u0351\u0352\u0353",  # never normalised
    "whitespace": "linha 1\r\nlinha 2\tfim\u2028sep\u00a0nbsp ",
    "max_length": ("😮a" * 2048),  # 4096 code points, 2048 of them astral
    "max_length_bmp": "ç" * 4096,
}


def escaped(document: dict[str, Any]) -> bytes:
    """JSON as Meta sends it: every non-ASCII character as \\uXXXX, emoji as surrogate pairs."""
    return json.dumps(document, ensure_ascii=True).encode()


async def post_webhook(base_url: str, body: bytes) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base_url) as http:
        return await http.post(
            "/webhook/whatsapp",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(body, "test-app-secret"),
            },
        )


async def wait_for_text(client: Client, text: str, direction: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        for payload in client.payloads("message:new"):
            message = payload["message"]
            if message["text"] == text and message["direction"] == direction:
                found: dict[str, Any] = payload
                return found
        if time.monotonic() > deadline:
            raise AssertionError(f"no message:new with the text; got {client.received!r:.300}")
        await asyncio.sleep(0.01)


async def test_texts_round_trip_inbound_and_outbound(
    server: LiveServer,
    connect: Connect,
    factory: Factory,
    db: Database,
    settings: Settings,
) -> None:
    team = await factory.team(name="Atendimento 🛎️")
    agent = await factory.user(role=Role.AGENT, teams=[team], name="Ana 🌟")
    await factory.number(phone_number_id=PHONE_NUMBER_ID, default_team=team)
    await factory.commit()
    socket = await connect(server.base_url, factory.token_for(agent))
    auth = factory.auth(agent)
    now = int(time.time())

    # Inbound: one signed, escaped POST per text.
    conversation_id = None
    for key, text in TEXTS.items():
        document = wrap(
            phone_number_id=PHONE_NUMBER_ID,
            display_phone_number="15557770100",
            value={
                "contacts": [contact(wa_id=CUSTOMER, name=CUSTOMER_NAME)],
                "messages": [
                    text_message(
                        wa_id=CUSTOMER, text=text, wamid=f"wamid.unicode.{key}", timestamp=now
                    )
                ],
            },
        )
        body = escaped(document)
        assert body.isascii()
        if key == "emoji":
            assert b"\\ud83d\\ude2e" in body
        response = await post_webhook(server.base_url, body)
        assert response.status_code == 200, response.text

        event = await wait_for_text(socket, text, "inbound")
        assert event["conversation"]["contact"]["name"] == CUSTOMER_NAME
        conversation_id = event["conversation"]["id"]
        async with db.session() as s:
            stored = await s.get(Message, uuid.UUID(event["message"]["id"]))
            assert stored is not None
            assert stored.text == text, key
            assert stored.payload is not None
            assert stored.payload["text"]["body"] == text

    async with httpx.AsyncClient(base_url=server.base_url, headers=auth) as http:
        listed = (
            await http.get(f"/api/conversations/{conversation_id}/messages", params={"limit": 50})
        ).json()["items"]
        assert [m["text"] for m in listed] == list(TEXTS.values())
        found = (await http.get("/api/conversations", params={"view": "team"})).json()["items"]
        assert found[0]["contact"]["name"] == CUSTOMER_NAME
        assert found[0]["last_message"]["text"] == TEXTS["max_length_bmp"]

        # Outbound: REST API → outbox → Graph request body.
        for text in TEXTS.values():
            response = await http.post(
                f"/api/conversations/{conversation_id}/messages",
                json={"type": "text", "text": text},
            )
            assert response.status_code == 202, response.text
            assert response.json()["text"] == text
            await wait_for_text(socket, text, "outbound")
        too_long = await http.post(
            f"/api/conversations/{conversation_id}/messages",
            json={"type": "text", "text": "😮" * 4097},
        )
        assert too_long.status_code == 422

    sent: list[bytes] = []

    def graph(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        return httpx.Response(
            200,
            json={
                "messaging_product": "whatsapp",
                "contacts": [{"input": CUSTOMER, "wa_id": CUSTOMER}],
                "messages": [{"id": f"wamid.out.{len(sent)}"}],
            },
        )

    client = GraphClient.from_settings(settings, transport=httpx.MockTransport(graph))
    sender = OutboxSender(
        db, settings, graph=client, limiter=TokenBucket(), secret=settings.resolved_jwt_secret()
    )
    try:
        stats = await sender.run_once()
    finally:
        await sender.aclose()
        await client.aclose()
    assert stats.sent == len(TEXTS)
    bodies = [orjson.loads(raw) for raw in sent]
    assert sorted(b["text"]["body"] for b in bodies) == sorted(TEXTS.values())
    assert {b["to"] for b in bodies} == {f"+{CUSTOMER}"}
