"""POST /conversations/{id}/read: agents' unread state, and Meta's read receipt after commit."""

import httpx
import orjson
import respx
from sqlalchemy import select

from atende.conversations.models import Conversation
from atende.core.db import Database, Event
from atende.messages.models import Direction, Message
from tests.factories import Factory, ago
from tests.messages.conftest import Scene

GRAPH_MESSAGES = "https://graph.test/v25.0/106540352242922/messages"


def url(scene: Scene) -> str:
    return f"/api/conversations/{scene.conversation.id}/read"


async def unread_state(db: Database, scene: Scene) -> tuple[int, list[bool]]:
    async with db.session() as s:
        conversation = await s.get(Conversation, scene.conversation.id)
        assert conversation is not None
        flags = await s.scalars(
            select(Message.is_read_by_agent)
            .where(
                Message.conversation_id == scene.conversation.id,
                Message.direction == Direction.INBOUND,
            )
            .order_by(Message.timestamp)
        )
        return conversation.unread_count, list(flags)


@respx.mock
async def test_read_marks_messages_and_sends_one_receipt_for_the_newest(
    respx_mock: respx.MockRouter,
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    events: list[Event],
) -> None:
    receipt = respx_mock.post(GRAPH_MESSAGES).mock(
        return_value=httpx.Response(200, json={"success": True})
    )
    await factory.message(conversation=scene.conversation, wamid="wamid.OLD", at=ago(minutes=5))
    await factory.message(conversation=scene.conversation, wamid="wamid.NEW", at=ago(minutes=1))
    await factory.message(
        conversation=scene.conversation,
        direction=Direction.OUTBOUND,
        sender=scene.agent,
        at=ago(seconds=30),
    )
    scene.conversation.unread_count = 2
    await factory.session.merge(scene.conversation)
    await factory.commit()

    response = await client.post(url(scene), headers=factory.auth(scene.agent))
    assert response.status_code == 200
    assert response.json()["unread_count"] == 0
    assert await unread_state(db, scene) == (0, [True, True])
    (updated,) = [e for e in events if e.name == "conversation:updated"]
    assert updated.payload["conversation"]["unread_count"] == 0

    assert receipt.call_count == 1
    request = receipt.calls.last.request
    assert request.headers["authorization"] == "Bearer number-token"
    # One receipt for the newest inbound message marks every earlier one read too.
    assert orjson.loads(request.content) == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.NEW",
    }

    # Nothing new to read: no second receipt.
    assert (await client.post(url(scene), headers=factory.auth(scene.agent))).status_code == 200
    assert receipt.call_count == 1


@respx.mock
async def test_a_failed_receipt_is_not_the_agents_problem(
    respx_mock: respx.MockRouter,
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
) -> None:
    receipt = respx_mock.post(GRAPH_MESSAGES).mock(
        return_value=httpx.Response(
            500, json={"error": {"code": 131000, "message": "Something went wrong"}}
        )
    )
    await factory.message(conversation=scene.conversation, wamid="wamid.X")
    await factory.commit()
    response = await client.post(url(scene), headers=factory.auth(scene.agent))
    assert response.status_code == 200
    assert receipt.called
    assert (await unread_state(db, scene))[1] == [True]


async def test_read_of_a_hidden_conversation_is_404(
    client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    response = await client.post(url(scene), headers=factory.auth(scene.outsider))
    assert response.status_code == 404
