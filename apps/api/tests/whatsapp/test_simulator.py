"""The built-in fake Graph API: Meta's shapes, injected faults, signed status webhooks, and
the developer panel's simulated inbound messages."""

import asyncio
import time
from typing import Any

import httpx
import orjson
import pytest
import respx
from fastapi import FastAPI

from atende.core.config import Environment, Settings
from atende.core.db import Database
from atende.main import create_app
from atende.users.models import Role
from atende.whatsapp.signature import is_valid
from tests.factories import Factory

SEND = "/simulator/v25.0/106540352242922/messages"
AUTH = {"Authorization": "Bearer any-token"}
WEBHOOK = "http://127.0.0.1:8000/webhook/whatsapp"  # the settings' SIMULATOR_WEBHOOK_URL


def text_body(to: str = "+5511988887777", **extra: Any) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"preview_url": False, "body": "oi"},
        **extra,
    }


async def control(client: httpx.AsyncClient, **change: Any) -> dict[str, Any]:
    response = await client.post("/simulator/_control", json=change)
    assert response.status_code == 200
    state: dict[str, Any] = response.json()
    return state


@pytest.fixture
async def fresh(client: httpx.AsyncClient) -> httpx.AsyncClient:
    await control(client, reset=True, webhooks=False)
    return client


async def test_send_answers_metas_success_shape(fresh: httpx.AsyncClient) -> None:
    response = await fresh.post(SEND, json=text_body(), headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "+5511988887777", "wa_id": "5511988887777"}]
    (message,) = body["messages"]
    assert message["id"].startswith("wamid.")
    again = await fresh.post(SEND, json=text_body(), headers=AUTH)
    assert again.json()["messages"][0]["id"] != message["id"]


async def test_read_receipts_answer_success(fresh: httpx.AsyncClient) -> None:
    receipt = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"}
    response = await fresh.post(SEND, json=receipt, headers=AUTH)
    assert response.json() == {"success": True}
    assert (await control(fresh))["read_receipts"] == 1


async def test_bad_requests_get_graph_errors(fresh: httpx.AsyncClient) -> None:
    no_token = await fresh.post(SEND, json=text_body())
    assert no_token.status_code == 401
    assert no_token.json()["error"]["code"] == 190
    too_long = text_body()
    too_long["text"]["body"] = "x" * 4097
    invalid = await fresh.post(SEND, json=too_long, headers=AUTH)
    assert invalid.status_code == 400
    error = invalid.json()["error"]
    assert error["code"] == 100
    assert error["message"] == "(#100) Invalid parameter"
    assert error["type"] == "OAuthException"
    assert error["fbtrace_id"]


async def test_injected_faults_are_served_in_order(fresh: httpx.AsyncClient) -> None:
    await control(
        fresh,
        throttle=2,
        retry_after=3,
        server_errors=1,
        server_error_status=503,
        fail_recipients={"5521977776666": 131047},
    )
    first, second, third, fourth = [
        await fresh.post(SEND, json=text_body(), headers=AUTH) for _ in range(4)
    ]
    assert (first.status_code, second.status_code) == (429, 429)
    assert first.headers["retry-after"] == "3"
    assert first.json()["error"]["code"] == 130429
    assert third.status_code == 503 and third.json()["error"]["code"] == 131000
    assert fourth.status_code == 200
    refused = await fresh.post(SEND, json=text_body(to="+5521977776666"), headers=AUTH)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["code"], error["message"]) == (131047, "(#131047) Re-engagement message")
    assert "24 hours" in error["error_data"]["details"]
    state = await control(fresh)
    assert (state["sends"], state["accepted"]) == (5, 1)


async def test_latency_and_timeouts(fresh: httpx.AsyncClient) -> None:
    await control(fresh, latency_ms=60, timeouts=1, timeout_seconds=0.05)
    started = time.monotonic()
    hung = await fresh.post(SEND, json=text_body(), headers=AUTH)
    assert hung.status_code == 504
    assert time.monotonic() - started >= 0.11
    started = time.monotonic()
    assert (await fresh.post(SEND, json=text_body(), headers=AUTH)).status_code == 200
    assert time.monotonic() - started >= 0.06


async def collect_statuses(route: respx.Route, count: int) -> list[dict[str, Any]]:
    for _ in range(300):
        found = [
            status
            for call in route.calls
            for entry in orjson.loads(call.request.content)["entry"]
            for change in entry["changes"]
            for status in change["value"]["statuses"]
        ]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.01)
    raise AssertionError(f"expected {count} statuses, got {len(found)}")


@respx.mock(assert_all_called=False)
async def test_sends_are_followed_by_signed_status_webhooks(
    respx_mock: respx.MockRouter, fresh: httpx.AsyncClient, settings: Settings
) -> None:
    route = respx_mock.post(WEBHOOK).mock(return_value=httpx.Response(200))
    await control(
        fresh, webhooks=True, status_delays={"sent": 0.01, "delivered": 0.03, "read": 0.05}
    )
    response = await fresh.post(
        SEND, json=text_body(biz_opaque_callback_data="msg-1"), headers=AUTH
    )
    wamid = response.json()["messages"][0]["id"]

    statuses = await collect_statuses(route, 3)
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    for status in statuses:
        assert status["id"] == wamid
        assert status["recipient_id"] == "5511988887777"
        assert status["biz_opaque_callback_data"] == "msg-1"
    for call in route.calls:
        request = call.request
        assert is_valid(
            request.content, request.headers["x-hub-signature-256"], settings.whatsapp_app_secret
        )
        envelope = orjson.loads(request.content)
        assert envelope["object"] == "whatsapp_business_account"
        metadata = envelope["entry"][0]["changes"][0]["value"]["metadata"]
        assert metadata["phone_number_id"] == "106540352242922"


@respx.mock(assert_all_called=False)
async def test_async_failures_arrive_as_failed_statuses(
    respx_mock: respx.MockRouter, fresh: httpx.AsyncClient
) -> None:
    route = respx_mock.post(WEBHOOK).mock(return_value=httpx.Response(200))
    await control(
        fresh,
        webhooks=True,
        status_delays={"sent": 0.01, "delivered": 0.02, "read": 0.03},
        fail_recipients_async={"5511988887777": 131026},
    )
    assert (await fresh.post(SEND, json=text_body(), headers=AUTH)).status_code == 200
    (status,) = await collect_statuses(route, 1)
    assert status["status"] == "failed"
    assert status["errors"][0]["code"] == 131026


async def test_the_simulator_is_off_in_production_unless_enabled(
    settings: Settings, db: Database
) -> None:
    production = settings.model_copy(update={"environment": Environment.PRODUCTION})
    # Off, the path falls through to the web app's static files (GET only).
    for enabled, expected in ((None, {404, 405}), (True, {200})):
        app: FastAPI = create_app(
            production.model_copy(update={"simulator_enabled": enabled}), database=db
        )
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.post(SEND, json=text_body(), headers=AUTH)
        assert response.status_code in expected


# -- POST /api/simulator/inbound ------------------------------------------------------------


@respx.mock(assert_all_called=False)
async def test_inbound_posts_a_signed_envelope_to_the_webhook(
    respx_mock: respx.MockRouter, client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    route = respx_mock.post(WEBHOOK).mock(return_value=httpx.Response(200))
    admin = await factory.user(role=Role.SUPERVISOR)
    number = await factory.number(phone_number_id="999000111", simulated=True)
    await factory.commit()
    response = await client.post(
        "/api/simulator/inbound",
        json={"number_id": str(number.id), "wa_id": "5511912345678", "name": "Bia", "text": "Oi!"},
        headers=factory.auth(admin),
    )
    assert response.status_code == 202
    assert response.json()["webhook_status"] == 200
    request = route.calls.last.request
    assert is_valid(
        request.content, request.headers["x-hub-signature-256"], settings.whatsapp_app_secret
    )
    value = orjson.loads(request.content)["entry"][0]["changes"][0]["value"]
    assert value["metadata"] == {
        "display_phone_number": number.display_phone_number,
        "phone_number_id": "999000111",
    }
    assert value["contacts"][0] == {"profile": {"name": "Bia"}, "wa_id": "5511912345678"}
    (message,) = value["messages"]
    assert message["id"] == response.json()["wamid"]
    assert (message["from"], message["type"], message["text"]) == (
        "5511912345678",
        "text",
        {"body": "Oi!"},
    )


@respx.mock(assert_all_called=False)
async def test_inbound_rules(
    respx_mock: respx.MockRouter, client: httpx.AsyncClient, factory: Factory
) -> None:
    route = respx_mock.post(WEBHOOK).mock(return_value=httpx.Response(401))
    admin = await factory.user(role=Role.ADMIN)
    agent = await factory.user(role=Role.AGENT)
    real = await factory.number()
    simulated = await factory.number(simulated=True)
    await factory.commit()

    def body(number_id: object) -> dict[str, str]:
        return {"number_id": str(number_id), "wa_id": "5511912345678", "name": "B", "text": "x"}

    forbidden = await client.post(
        "/api/simulator/inbound", json=body(simulated.id), headers=factory.auth(agent)
    )
    assert forbidden.status_code == 403
    not_simulated = await client.post(
        "/api/simulator/inbound", json=body(real.id), headers=factory.auth(admin)
    )
    assert not_simulated.status_code == 422
    assert not_simulated.json()["error"]["code"] == "number_not_simulated"
    assert not route.called
    rejected = await client.post(
        "/api/simulator/inbound", json=body(simulated.id), headers=factory.auth(admin)
    )
    assert rejected.status_code == 502
