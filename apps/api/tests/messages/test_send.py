"""Sending text: the request's transaction, the 24-hour rule and who may send."""

import uuid
from datetime import timedelta

import httpx
import pytest
import respx
from sqlalchemy import func, select

from atende.conversations.models import Conversation, ConversationStatus
from atende.core.db import Database, Event
from atende.messages.models import Message
from atende.users.models import Role
from tests.factories import Factory, ago
from tests.messages.conftest import Scene


def url(scene: Scene) -> str:
    return f"/api/conversations/{scene.conversation.id}/messages"


async def load(db: Database, message_id: str) -> Message:
    async with db.session() as s:
        message = await s.get(Message, uuid.UUID(message_id))
        assert message is not None
        return message


async def message_count(db: Database) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(Message)) or 0)


async def test_send_needs_a_token(client: httpx.AsyncClient, scene: Scene) -> None:
    response = await client.post(url(scene), json={"type": "text", "text": "oi"})
    assert response.status_code == 401


async def test_send_queues_the_message_in_the_request_transaction(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database, events: list[Event]
) -> None:
    response = await client.post(
        url(scene),
        json={"type": "text", "text": "Seu pedido saiu."},
        headers=factory.auth(scene.agent),
    )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert body["direction"] == "outbound"
    assert body["text"] == "Seu pedido saiu."
    assert body["sender"] == {"id": str(scene.agent.id), "name": "Ana"}
    assert body["wamid"] is None and body["error"] is None

    message = await load(db, body["id"])
    assert message.attempts == 0
    assert message.next_attempt_at is not None
    assert message.claimed_until is None
    assert message.is_automated is False
    # The exact Graph body is stored with the row; the sender posts it verbatim.
    assert message.payload == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+5511988887777",
        "type": "text",
        "text": {"preview_url": False, "body": "Seu pedido saiu."},
        "biz_opaque_callback_data": body["id"],
    }
    async with db.session() as s:
        conversation = await s.get(Conversation, scene.conversation.id)
        assert conversation is not None
        assert str(conversation.last_message_id) == body["id"]
        assert conversation.first_response_at == message.timestamp
        assert conversation.last_message_at == message.timestamp

    (event,) = [e for e in events if e.name == "message:new"]
    assert event.payload["message"]["id"] == body["id"]
    assert event.payload["conversation"]["id"] == str(scene.conversation.id)
    assert event.payload["conversation"]["last_message"]["id"] == body["id"]
    assert event.rooms == {"role:ADMIN", "role:SUPERVISOR", f"team:{scene.team.id}"}


async def test_first_response_is_kept_from_the_first_reply(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database
) -> None:
    first = await client.post(url(scene), json={"text": "um"}, headers=factory.auth(scene.agent))
    await client.post(url(scene), json={"text": "dois"}, headers=factory.auth(scene.agent))
    async with db.session() as s:
        conversation = await s.get(Conversation, scene.conversation.id)
        assert conversation is not None
        assert conversation.first_response_at == (await load(db, first.json()["id"])).timestamp


async def test_an_agent_outside_the_team_gets_404(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database
) -> None:
    response = await client.post(
        url(scene), json={"text": "oi"}, headers=factory.auth(scene.outsider)
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "conversation_not_found"
    assert await message_count(db) == 0


@pytest.mark.parametrize(
    ("text", "status"), [("", 422), ("   \n", 422), ("x" * 4097, 422), ("x" * 4096, 202)]
)
async def test_text_length_is_checked(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, text: str, status: int
) -> None:
    response = await client.post(url(scene), json={"text": text}, headers=factory.auth(scene.agent))
    assert response.status_code == status
    if status == 422:
        assert response.json()["error"]["code"] == "invalid_input"


async def test_only_text_is_accepted_for_now(
    client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    response = await client.post(
        url(scene), json={"type": "image", "text": "x"}, headers=factory.auth(scene.agent)
    )
    assert response.status_code == 422


@respx.mock(assert_all_called=False)
async def test_outside_the_window_is_refused_before_any_call(
    respx_mock: respx.MockRouter,
    client: httpx.AsyncClient,
    factory: Factory,
    db: Database,
) -> None:
    graph = respx_mock.route(host="graph.test")
    number = await factory.number()
    conversation = await factory.conversation(
        number=number, last_inbound_at=ago(hours=24, seconds=5)
    )
    agent = await factory.user()
    await factory.commit()
    response = await client.post(
        f"/api/conversations/{conversation.id}/messages",
        json={"text": "oi"},
        headers=factory.auth(agent),
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "outside_customer_service_window"
    assert "template" in error["message"]
    assert await message_count(db) == 0
    assert not graph.called


async def test_a_reply_quotes_the_message(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database
) -> None:
    async with db.session() as s:
        quoted = await Factory(s, factory.settings).message(
            conversation=scene.conversation, text="Cadê?", wamid="wamid.QUOTED"
        )
        await s.commit()
    response = await client.post(
        url(scene),
        json={"text": "Aqui", "reply_to_id": str(quoted.id)},
        headers=factory.auth(scene.agent),
    )
    assert response.status_code == 202
    assert response.json()["reply_to"] == {
        "id": str(quoted.id),
        "wamid": "wamid.QUOTED",
        "text": "Cadê?",
        "direction": "inbound",
    }
    message = await load(db, response.json()["id"])
    assert message.reply_to_wamid == "wamid.QUOTED"
    assert message.payload is not None
    assert message.payload["context"] == {"message_id": "wamid.QUOTED"}


async def test_a_reply_to_another_conversation_is_refused(
    client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    other = await factory.conversation(number=scene.number)
    foreign = await factory.message(conversation=other)
    await factory.commit()
    response = await client.post(
        url(scene),
        json={"text": "x", "reply_to_id": str(foreign.id)},
        headers=factory.auth(scene.agent),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_reply_target"


async def test_a_bsuid_only_customer_is_addressed_by_recipient(
    client: httpx.AsyncClient, factory: Factory, db: Database
) -> None:
    number = await factory.number()
    contact = await factory.contact(user_id="BR.50918273645501928374")
    conversation = await factory.conversation(number=number, contact=contact)
    admin = await factory.user(role=Role.ADMIN)
    await factory.commit()
    response = await client.post(
        f"/api/conversations/{conversation.id}/messages",
        json={"text": "oi"},
        headers=factory.auth(admin),
    )
    assert response.status_code == 202
    payload = (await load(db, response.json()["id"])).payload
    assert payload is not None
    assert payload["recipient"] == "BR.50918273645501928374"
    assert "to" not in payload


# -- POST /api/messages ---------------------------------------------------------------------


async def test_send_to_contact_reuses_the_open_conversation(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database
) -> None:
    response = await client.post(
        "/api/messages",
        json={
            "contact_id": str(scene.contact.id),
            "number_id": str(scene.number.id),
            "type": "text",
            "text": "oi",
        },
        headers=factory.auth(scene.agent),
    )
    assert response.status_code == 202
    assert response.json()["conversation_id"] == str(scene.conversation.id)


async def test_send_to_contact_opens_a_conversation_in_the_default_team(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database, events: list[Event]
) -> None:
    # The customer wrote 2 h ago in a conversation that was resolved since: the window of
    # the (number, customer) pair is still open.
    async with db.session() as s:
        old = await s.get(Conversation, scene.conversation.id)
        assert old is not None
        old.status = ConversationStatus.RESOLVED
        old.last_inbound_at = (
            old.last_inbound_at - timedelta(hours=1) if old.last_inbound_at else None
        )
        await s.commit()
        last_inbound = old.last_inbound_at

    response = await client.post(
        "/api/messages",
        json={
            "contact_id": str(scene.contact.id),
            "number_id": str(scene.number.id),
            "text": "Olá de novo",
        },
        headers=factory.auth(scene.agent),
    )
    assert response.status_code == 202
    new_id = response.json()["conversation_id"]
    assert new_id != str(scene.conversation.id)
    async with db.session() as s:
        conversation = await s.get(Conversation, uuid.UUID(new_id))
        assert conversation is not None
        assert conversation.status == ConversationStatus.OPEN
        assert conversation.team_id == scene.team.id
        # An agent who starts a conversation owns it.
        assert conversation.assignee_id == scene.agent.id
        assert conversation.last_inbound_at == last_inbound
        assert conversation.first_inbound_at is None
    (event,) = [e for e in events if e.name == "message:new"]
    assert event.payload["conversation"]["id"] == new_id


async def test_send_to_contact_without_a_window_is_refused(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database
) -> None:
    contact = await factory.contact()
    await factory.commit()
    response = await client.post(
        "/api/messages",
        json={"contact_id": str(contact.id), "number_id": str(scene.number.id), "text": "oi"},
        headers=factory.auth(scene.admin),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "outside_customer_service_window"
    async with db.session() as s:
        opened = await s.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.contact_id == contact.id)
        )
    assert opened == 0


async def test_send_to_contact_unknown_ids_are_404(
    client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    unknown = "00000000-0000-7000-8000-000000000000"
    no_contact = await client.post(
        "/api/messages",
        json={"contact_id": unknown, "number_id": str(scene.number.id), "text": "oi"},
        headers=factory.auth(scene.admin),
    )
    no_number = await client.post(
        "/api/messages",
        json={"contact_id": str(scene.contact.id), "number_id": unknown, "text": "oi"},
        headers=factory.auth(scene.admin),
    )
    assert (no_contact.status_code, no_number.status_code) == (404, 404)
    assert no_contact.json()["error"]["code"] == "contact_not_found"
    assert no_number.json()["error"]["code"] == "number_not_found"


async def test_send_to_contact_in_an_invisible_conversation_is_404(
    client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    response = await client.post(
        "/api/messages",
        json={"contact_id": str(scene.contact.id), "number_id": str(scene.number.id), "text": "oi"},
        headers=factory.auth(scene.outsider),
    )
    assert response.status_code == 404
