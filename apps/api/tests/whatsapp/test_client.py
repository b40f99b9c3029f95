"""The Graph API client against `httpx.MockTransport` answering with Meta's shapes."""

from collections.abc import Callable

import httpx
import orjson
import pytest

from atende.whatsapp.client import GraphClient
from atende.whatsapp.exceptions import WhatsAppError
from atende.whatsapp.schemas import text_message_body

Handler = Callable[[httpx.Request], httpx.Response]


def make_client(handler: Handler) -> GraphClient:
    return GraphClient(
        base_url="https://graph.test", version="v25.0", transport=httpx.MockTransport(handler)
    )


def graph_error(code: int, message: str, *, details: str | None = None) -> dict[str, object]:
    error: dict[str, object] = {
        "message": f"(#{code}) {message}",
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEf123456",
    }
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": error}


async def test_send_posts_metas_body_with_bearer_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "messaging_product": "whatsapp",
                "contacts": [{"input": "+5511988887777", "wa_id": "5511988887777"}],
                "messages": [{"id": "wamid.ABC=="}],
            },
        )

    client = make_client(handler)
    body = text_message_body(
        wa_id="5511988887777",
        user_id=None,
        text="Olá",
        reply_to_wamid="wamid.Q",
        callback_data="msg-1",
    )
    response = await client.send_message("1234", "tok-1", body)
    await client.aclose()

    assert response.messages[0].id == "wamid.ABC=="
    (request,) = seen
    assert str(request.url) == "https://graph.test/v25.0/1234/messages"
    assert request.headers["authorization"] == "Bearer tok-1"
    assert request.headers["content-type"] == "application/json"
    assert orjson.loads(request.content) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+5511988887777",
        "context": {"message_id": "wamid.Q"},
        "type": "text",
        "text": {"preview_url": False, "body": "Olá"},
        "biz_opaque_callback_data": "msg-1",
    }


def test_bsuid_only_contact_is_addressed_by_recipient() -> None:
    body = text_message_body(wa_id=None, user_id="BR.1234567890", text="oi")
    assert body["recipient"] == "BR.1234567890"
    assert "to" not in body


async def test_base_url_can_be_given_per_call() -> None:
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(200, json={"messages": [{"id": "wamid.S"}]})

    client = make_client(handler)
    await client.send_message("55", "t", {"x": 1}, base_url="http://sim.test/simulator/")
    await client.aclose()
    assert urls == ["http://sim.test/simulator/v25.0/55/messages"]


async def test_permanent_graph_error_keeps_code_title_and_details() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400,
            json=graph_error(
                131030,
                "Recipient phone number not in allowed list",
                details="Add recipient phone number to recipient list and try again.",
            ),
        )

    client = make_client(handler)
    with pytest.raises(WhatsAppError) as info:
        await client.send_message("1", "t", {})
    await client.aclose()
    error = info.value
    assert error.code == 131030
    assert error.title == "Recipient phone number not in allowed list"
    assert error.details == "Add recipient phone number to recipient list and try again."
    assert error.http_status == 400
    assert error.fbtrace_id == "AbCdEf123456"
    assert not error.retryable


@pytest.mark.parametrize(
    ("status", "code", "throttle"),
    [(429, 130429, True), (400, 131056, False), (400, 80007, True), (400, 4, True)],
)
async def test_throttling_is_retryable_and_honours_retry_after(
    status: int, code: int, throttle: bool
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status, json=graph_error(code, "Rate limit hit"), headers={"Retry-After": "7"}
        )

    client = make_client(handler)
    with pytest.raises(WhatsAppError) as info:
        await client.send_message("1", "t", {})
    await client.aclose()
    assert info.value.retryable
    assert info.value.retry_after == 7.0
    assert info.value.is_throttle is throttle


@pytest.mark.parametrize("code", [131047, 131026, 131051, 100, 190, 132000, 132001, 999999])
async def test_non_retryable_codes(code: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json=graph_error(code, "Nope"))

    client = make_client(handler)
    with pytest.raises(WhatsAppError) as info:
        await client.send_message("1", "t", {})
    await client.aclose()
    assert info.value.code == code
    assert not info.value.retryable


async def test_server_error_without_graph_body_is_retryable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>Bad gateway</html>")

    client = make_client(handler)
    with pytest.raises(WhatsAppError) as info:
        await client.send_message("1", "t", {})
    await client.aclose()
    assert info.value.code is None
    assert info.value.http_status == 502
    assert info.value.retryable


@pytest.mark.parametrize(
    "exc",
    [httpx.ReadTimeout("slow"), httpx.ConnectTimeout("slow"), httpx.ConnectError("refused")],
)
async def test_timeouts_and_network_errors_are_retryable(exc: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    client = make_client(handler)
    with pytest.raises(WhatsAppError) as info:
        await client.send_message("1", "t", {})
    await client.aclose()
    assert info.value.retryable
    assert info.value.code is None
    assert type(exc).__name__ in info.value.title


async def test_mark_read_sends_the_read_receipt_shape() -> None:
    bodies: list[object] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(orjson.loads(request.content))
        return httpx.Response(200, json={"success": True})

    client = make_client(handler)
    await client.mark_read("77", "t", "wamid.IN")
    await client.aclose()
    assert bodies == [{"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN"}]


def test_client_timeouts_are_explicit() -> None:
    client = GraphClient(base_url="https://graph.test", version="v25.0")
    timeout = client._http.timeout
    assert (timeout.connect, timeout.read) == (5.0, 15.0)


async def test_a_missing_token_fails_without_a_request() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={"messages": [{"id": "wamid.X"}]})

    client = make_client(handler)
    with pytest.raises(WhatsAppError) as info:
        await client.send_message("1", "", {})
    await client.aclose()
    assert calls == []
    assert not info.value.retryable
    assert "WHATSAPP_TOKEN" in info.value.title
