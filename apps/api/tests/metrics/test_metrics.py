"""GET /metrics: who may scrape it, and what the webhook, the send path, status webhooks, the
outbox and socket.io add to it."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from atende.core.config import Settings
from atende.core.db import Database, commit
from atende.main import create_app
from atende.messages.models import Direction, MessageStatus
from atende.metrics.instruments import INBOUND_MESSAGES, count_on_commit
from atende.users.models import Role
from atende.whatsapp import envelopes
from tests.factories import Factory, ago
from tests.realtime.conftest import Connect, LiveServer
from tests.webhook import helpers as h

TOKEN = "metrics-token-for-tests"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
async def guarded_app(settings: Settings, db: Database) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update={"metrics_token": TOKEN}), database=db)
    async with application.router.lifespan_context(application):
        yield application


def client_for(app: FastAPI, host: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(host, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_a_configured_token_is_required(guarded_app: FastAPI) -> None:
    async with client_for(guarded_app) as client:
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert missing.status_code == 401
    assert wrong.status_code == 401
    assert missing.json()["error"]["code"] == "metrics_unauthorized"
    assert right.status_code == 200
    assert right.headers["content-type"].startswith("text/plain; version=0.0.4")


async def test_without_a_token_only_this_machine_may_scrape(app: FastAPI) -> None:
    async with client_for(app, "203.0.113.7") as remote, client_for(app) as local:
        refused = await remote.get("/metrics")
        served = await local.get("/metrics")

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "metrics_forbidden"
    assert served.status_code == 200


async def test_metrics_are_not_part_of_the_openapi_schema(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    assert "/metrics" not in schema["paths"]


async def test_the_output_is_prometheus_text_with_the_outbox_gauges(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    number = await factory.number()
    conversation = await factory.conversation(number=number)
    for minutes in (7, 2):
        await factory.message(
            conversation=conversation, direction=Direction.OUTBOUND, at=ago(minutes=minutes)
        )
    await factory.message(
        conversation=conversation,
        direction=Direction.OUTBOUND,
        status=MessageStatus.SENT,
        at=ago(minutes=30),
    )
    await factory.commit()

    response = await client.get("/metrics")

    assert response.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    for name in (
        "atende_webhook_requests",
        "atende_webhook_request_duration_seconds",
        "atende_inbound_messages",
        "atende_outbound_status_transitions",
        "atende_graph_errors",
        "atende_socketio_connections",
        "process_cpu_seconds",
    ):
        assert name in families, name
    depth = families["atende_outbox_depth"].samples[0].value
    oldest = families["atende_outbox_oldest_age_seconds"].samples[0].value
    assert depth == 2
    assert timedelta(minutes=7).total_seconds() <= oldest < timedelta(minutes=8).total_seconds()
    results = {s.labels["result"] for s in families["atende_webhook_requests"].samples}
    assert results == {"accepted", "bad_signature", "invalid", "error"}


async def test_an_empty_outbox_reports_zero(client: httpx.AsyncClient) -> None:
    body = (await client.get("/metrics")).text
    assert "atende_outbox_depth 0.0" in body
    assert "atende_outbox_oldest_age_seconds 0.0" in body


async def test_webhook_posts_are_counted_by_result_and_timed(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    await factory.number(phone_number_id=h.PHONE_NUMBER_ID)
    await factory.commit()
    before = {
        r: sample("atende_webhook_requests_total", result=r)
        for r in ("accepted", "bad_signature", "invalid", "error")
    }
    timed = sample("atende_webhook_request_duration_seconds_count")
    inbound = sample("atende_inbound_messages_total")
    body = h.payload_bytes("text")

    assert (await h.post_body(client, body)).status_code == 200
    # Meta redelivers: answered again, stored once, so counted once as a message.
    assert (await h.post_body(client, body)).status_code == 200
    bad = await client.post(h.URL, content=body, headers=h.signature_headers(body, "wrong"))
    assert bad.status_code == 401
    assert (await h.post_body(client, b"{not json")).status_code == 400

    after = {r: sample("atende_webhook_requests_total", result=r) for r in before}
    assert {r: after[r] - before[r] for r in before} == {
        "accepted": 2,
        "bad_signature": 1,
        "invalid": 1,
        "error": 0,
    }
    assert sample("atende_webhook_request_duration_seconds_count") - timed == 4
    assert sample("atende_inbound_messages_total") - inbound == 1
    # The verification handshake is not a delivery.
    await client.get(h.URL, params={"hub.mode": "subscribe", "hub.verify_token": "x"})
    assert sample("atende_webhook_request_duration_seconds_count") - timed == 4


async def test_status_webhooks_count_each_transition_once(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    number = await factory.number(phone_number_id=h.PHONE_NUMBER_ID)
    conversation = await factory.conversation(number=number)
    await factory.message(
        conversation=conversation,
        direction=Direction.OUTBOUND,
        status=MessageStatus.SENT,
        wamid="wamid.METRICS1",
    )
    await factory.commit()
    delivered = sample("atende_outbound_status_transitions_total", status="delivered")
    read = sample("atende_outbound_status_transitions_total", status="read")

    for status, ts in (("delivered", 1767226200), ("delivered", 1767226200), ("read", 1767226260)):
        envelope = envelopes.status_envelope(
            phone_number_id=h.PHONE_NUMBER_ID,
            display_phone_number="15557770100",
            wamid="wamid.METRICS1",
            status=status,
            recipient_id="5511988887777",
            timestamp=ts,
        )
        assert (await h.post(client, envelope)).status_code == 200

    assert sample("atende_outbound_status_transitions_total", status="delivered") - delivered == 1
    assert sample("atende_outbound_status_transitions_total", status="read") - read == 1


async def test_a_queued_reply_is_counted(client: httpx.AsyncClient, factory: Factory) -> None:
    team = await factory.team(name="Vendas")
    agent = await factory.user(role=Role.AGENT, teams=[team])
    number = await factory.number(default_team=team, access_token="number-token")
    conversation = await factory.conversation(
        number=number, team=team, last_inbound_at=ago(hours=1)
    )
    await factory.commit()
    queued = sample("atende_outbound_status_transitions_total", status="queued")

    response = await client.post(
        f"/api/conversations/{conversation.id}/messages",
        json={"type": "text", "text": "Seu pedido saiu."},
        headers=factory.auth(agent),
    )

    assert response.status_code == 202
    assert sample("atende_outbound_status_transitions_total", status="queued") - queued == 1


async def test_counts_wait_for_the_commit(db: Database) -> None:
    before = sample("atende_inbound_messages_total")
    async with db.session() as session:
        await session.execute(text("SELECT 1"))
        count_on_commit(session, INBOUND_MESSAGES, 5)
        await session.rollback()
        await commit(session)
    assert sample("atende_inbound_messages_total") == before

    async with db.session() as session:
        count_on_commit(session, INBOUND_MESSAGES, 3)
        assert sample("atende_inbound_messages_total") == before
        await commit(session)
    assert sample("atende_inbound_messages_total") == before + 3


async def test_socketio_connections_are_a_live_gauge(
    server: LiveServer, connect: Connect, factory: Factory
) -> None:
    user = await factory.user()
    await factory.commit()
    before = sample("atende_socketio_connections")

    first = await connect(server.base_url, factory.token_for(user))
    second = await connect(server.base_url, factory.token_for(user))
    assert sample("atende_socketio_connections") == before + 2

    await first.sio.disconnect()
    await second.sio.disconnect()
    for _ in range(100):
        if sample("atende_socketio_connections") == before:
            break
        await asyncio.sleep(0.02)
    assert sample("atende_socketio_connections") == before
