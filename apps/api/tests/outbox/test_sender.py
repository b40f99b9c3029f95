"""The outbox sender against a fake Graph API (respx / MockTransport) with Meta's shapes."""

from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
import respx

from atende.core.db import Database, Event
from atende.messages.models import MessageStatus
from tests.factories import Factory
from tests.outbox.conftest import GRAPH_URL, FakeClock, SenderFactory, Thread, queue, reload


def accepted(wamid: str = "wamid.HBgMNTUxMTk4ODg4Nzc3NxUCABEYEjQ=") -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "messaging_product": "whatsapp",
            "contacts": [{"input": "+5511988887777", "wa_id": "5511988887777"}],
            "messages": [{"id": wamid}],
        },
    )


def graph_error(status: int, code: int, title: str, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        headers=headers,
        json={
            "error": {
                "message": f"(#{code}) {title}",
                "type": "OAuthException",
                "code": code,
                "error_data": {"messaging_product": "whatsapp", "details": f"{title}."},
                "fbtrace_id": "AZ1",
            }
        },
    )


def statuses(events: list[Event]) -> list[dict[str, Any]]:
    return [e.payload for e in events if e.name == "message:status"]


@respx.mock
async def test_send_posts_the_stored_body_and_keeps_the_wamid(
    respx_mock: respx.MockRouter,
    factory: Factory,
    thread: Thread,
    make_sender: SenderFactory,
    db: Database,
    events: list[Event],
) -> None:
    route = respx_mock.post(GRAPH_URL).mock(return_value=accepted("wamid.OK"))
    (message,) = await queue(factory, thread.conversation, thread.contact)

    stats = await make_sender().run_once()

    assert stats.sent == 1
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer number-token"
    assert orjson.loads(request.content) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+5511988887777",
        "type": "text",
        "text": {"preview_url": False, "body": "mensagem 0"},
        "biz_opaque_callback_data": str(message.id),
    }
    stored = await reload(db, message)
    assert stored.wamid == "wamid.OK"
    # Meta's 200 means "accepted"; `sent` is what Atende records until webhooks say more.
    assert stored.status == MessageStatus.SENT
    assert stored.sent_at is not None
    assert stored.attempts == 1
    assert stored.claimed_until is None and stored.next_attempt_at is None
    assert statuses(events) == [
        {
            "conversation_id": str(thread.conversation.id),
            "message_id": str(message.id),
            "wamid": "wamid.OK",
            "status": "sent",
            "error": None,
        }
    ]
    assert (await make_sender().run_once()).sent == 0
    assert route.call_count == 1


@respx.mock
async def test_numbers_without_a_token_use_whatsapp_token_and_simulated_ones_the_simulator(
    respx_mock: respx.MockRouter, factory: Factory, make_sender: SenderFactory
) -> None:
    real = await factory.number(phone_number_id="111")
    simulated = await factory.number(phone_number_id="222", simulated=True)
    contact = await factory.contact()
    for number in (real, simulated):
        conversation = await factory.conversation(number=number, contact=contact)
        await queue(factory, conversation, contact)
    meta = respx_mock.post("https://graph.test/v25.0/111/messages").mock(
        return_value=accepted("wamid.1")
    )
    fake = respx_mock.post("http://sim.test/simulator/v25.0/222/messages").mock(
        return_value=accepted("wamid.2")
    )
    assert (await make_sender().run_once()).sent == 2
    assert meta.calls.last.request.headers["authorization"] == "Bearer test-global-token"
    assert fake.call_count == 1


@respx.mock
async def test_a_permanent_error_fails_the_message_at_once(
    respx_mock: respx.MockRouter,
    factory: Factory,
    thread: Thread,
    make_sender: SenderFactory,
    db: Database,
    events: list[Event],
    clock: FakeClock,
) -> None:
    route = respx_mock.post(GRAPH_URL).mock(
        return_value=graph_error(400, 131047, "Re-engagement message")
    )
    (message,) = await queue(factory, thread.conversation, thread.contact)
    sender = make_sender()
    assert (await sender.run_once()).failed == 1
    stored = await reload(db, message)
    assert stored.status == MessageStatus.FAILED
    assert (stored.error_code, stored.error_title) == (131047, "Re-engagement message")
    assert stored.error_details == "Re-engagement message."
    assert stored.attempts == 1
    (event,) = statuses(events)
    assert event["status"] == "failed"
    assert event["error"] == {
        "code": 131047,
        "title": "Re-engagement message",
        "details": "Re-engagement message.",
    }
    clock.advance(3600)
    await sender.run_once()
    assert route.call_count == 1


@respx.mock
async def test_a_throttling_storm_is_ridden_out_honouring_retry_after(
    respx_mock: respx.MockRouter,
    factory: Factory,
    thread: Thread,
    make_sender: SenderFactory,
    db: Database,
    clock: FakeClock,
) -> None:
    throttled = graph_error(429, 130429, "Rate limit hit", **{"Retry-After": "2"})
    route = respx_mock.post(GRAPH_URL).mock(
        side_effect=[throttled, throttled, throttled, accepted("wamid.AFTER")]
    )
    (message,) = await queue(factory, thread.conversation, thread.contact)
    sender = make_sender()
    for attempt in (1, 2, 3):
        assert (await sender.run_once()).retried == 1
        stored = await reload(db, message)
        assert stored.status == MessageStatus.QUEUED and stored.attempts == attempt
        assert stored.next_attempt_at is not None
        assert stored.next_attempt_at >= clock.now + timedelta(seconds=2)
        # Not due before Retry-After: nothing is claimed, Meta is not called.
        clock.advance(1.9)
        assert (await sender.run_once()).retried == 0
        assert route.call_count == attempt
        clock.advance(0.2)
    assert (await sender.run_once()).sent == 1
    stored = await reload(db, message)
    assert (stored.status, stored.wamid, stored.attempts) == (MessageStatus.SENT, "wamid.AFTER", 4)


@respx.mock
async def test_a_throughput_error_pauses_the_number_but_a_pair_limit_only_its_message(
    respx_mock: respx.MockRouter,
    factory: Factory,
    thread: Thread,
    make_sender: SenderFactory,
    clock: FakeClock,
) -> None:
    other_contact = await factory.contact(wa_id="5521977776666")
    other = await factory.conversation(number=thread.number, contact=other_contact)
    await factory.commit()

    def answer(request: httpx.Request) -> httpx.Response:
        if orjson.loads(request.content)["to"] == "+5521977776666":
            return graph_error(400, 131056, "Pair rate limit hit")
        return accepted(f"wamid.{len(route.calls)}")

    route = respx_mock.post(GRAPH_URL).mock(side_effect=answer)
    await queue(factory, other, other_contact)
    await queue(factory, thread.conversation, thread.contact)
    sender = make_sender()
    stats = await sender.run_once()
    assert (stats.sent, stats.retried) == (1, 1)
    # The pair limit did not slow the number down: a new message goes out at once.
    await queue(factory, thread.conversation, thread.contact)
    assert (await sender.run_once()).sent == 1

    route.mock(return_value=graph_error(429, 130429, "Rate limit hit", **{"Retry-After": "30"}))
    await queue(factory, thread.conversation, thread.contact)
    assert (await sender.run_once()).retried == 1
    calls = route.call_count
    # While the number is paused, its messages wait without calling Meta or spending attempts.
    await queue(factory, thread.conversation, thread.contact)
    assert (await sender.run_once()).released == 1
    assert route.call_count == calls


@respx.mock
async def test_server_errors_and_timeouts_are_retried(
    respx_mock: respx.MockRouter,
    factory: Factory,
    thread: Thread,
    make_sender: SenderFactory,
    db: Database,
    clock: FakeClock,
) -> None:
    route = respx_mock.post(GRAPH_URL).mock(
        side_effect=[
            httpx.Response(503, text="unavailable"),
            httpx.ReadTimeout("slow"),
            httpx.ConnectError("refused"),
            accepted("wamid.FINALLY"),
        ]
    )
    (message,) = await queue(factory, thread.conversation, thread.contact)
    sender = make_sender()
    for _ in range(3):
        assert (await sender.run_once()).retried == 1
        clock.advance(1)
    assert (await sender.run_once()).sent == 1
    assert route.call_count == 4
    assert (await reload(db, message)).wamid == "wamid.FINALLY"


@respx.mock
async def test_after_the_last_attempt_the_message_fails_with_the_last_reason(
    respx_mock: respx.MockRouter,
    factory: Factory,
    thread: Thread,
    make_sender: SenderFactory,
    db: Database,
    clock: FakeClock,
    events: list[Event],
) -> None:
    route = respx_mock.post(GRAPH_URL).mock(
        return_value=graph_error(500, 131000, "Something went wrong")
    )
    (message,) = await queue(factory, thread.conversation, thread.contact)
    sender = make_sender()  # send_max_attempts = 5
    for _ in range(5):
        await sender.run_once()
        clock.advance(1)
    stored = await reload(db, message)
    assert stored.status == MessageStatus.FAILED
    assert (stored.attempts, stored.error_code, stored.error_title) == (
        5,
        131000,
        "Something went wrong",
    )
    assert route.call_count == 5
    assert [e["status"] for e in statuses(events)] == ["failed"]
    clock.advance(100)
    await sender.run_once()
    assert route.call_count == 5


@pytest.mark.parametrize("broken", ["inactive_number", "no_body"])
@respx.mock(assert_all_called=False)
async def test_an_unsendable_message_fails_without_calling_meta(
    respx_mock: respx.MockRouter,
    factory: Factory,
    thread: Thread,
    make_sender: SenderFactory,
    db: Database,
    broken: str,
) -> None:
    route = respx_mock.post(GRAPH_URL).mock(return_value=accepted())
    (message,) = await queue(factory, thread.conversation, thread.contact)
    if broken == "inactive_number":
        thread.number.is_active = False
    else:
        message.payload = None
    await factory.commit()
    assert (await make_sender().run_once()).failed == 1
    assert not route.called
    assert (await reload(db, message)).status == MessageStatus.FAILED
