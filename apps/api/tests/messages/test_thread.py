"""Reading a thread: keyset pages back in time, senders and quoted messages, no N+1."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from atende.core.db import Database
from atende.messages.models import Direction, MessageStatus
from tests.factories import Factory, ago
from tests.messages.conftest import Scene


def url(scene: Scene) -> str:
    return f"/api/conversations/{scene.conversation.id}/messages"


@contextmanager
def count_statements(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def test_pages_go_back_in_time_oldest_first_within_a_page(
    client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    at = ago(minutes=30)
    made = [
        await factory.message(
            conversation=scene.conversation, text=f"m{i}", at=at.replace(second=i % 60)
        )
        for i in range(5)
    ]
    # Two messages with the same timestamp: the id breaks the tie, nothing is lost or repeated.
    made.append(
        await factory.message(conversation=scene.conversation, text="m5", at=made[4].timestamp)
    )
    await factory.commit()
    headers = factory.auth(scene.agent)

    expected = [m.text for m in sorted(made, key=lambda m: (m.timestamp, m.id))]
    first = (await client.get(url(scene), params={"limit": 4}, headers=headers)).json()
    assert [m["text"] for m in first["items"]] == expected[2:]
    assert first["next_cursor"] == first["items"][0]["id"]
    second = (
        await client.get(
            url(scene), params={"limit": 4, "before": first["next_cursor"]}, headers=headers
        )
    ).json()
    assert [m["text"] for m in second["items"]] == expected[:2]
    assert second["next_cursor"] is None
    # `cursor` is accepted as an alias of `before`.
    again = (
        await client.get(
            url(scene), params={"limit": 4, "cursor": first["next_cursor"]}, headers=headers
        )
    ).json()
    assert again == second


async def test_items_carry_sender_error_and_reply_target(
    client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    question = await factory.message(
        conversation=scene.conversation, text="Cadê?", wamid="wamid.Q", at=ago(minutes=3)
    )
    reply = await factory.message(
        conversation=scene.conversation,
        direction=Direction.OUTBOUND,
        text="Aqui",
        sender=scene.agent,
        status=MessageStatus.FAILED,
        at=ago(minutes=2),
    )
    reply.reply_to_wamid = "wamid.Q"
    reply.error_code, reply.error_title = 131047, "Re-engagement message"
    unknown = await factory.message(conversation=scene.conversation, text="?", at=ago(minutes=1))
    unknown.reply_to_wamid = "wamid.GONE"
    await factory.commit()

    items = (await client.get(url(scene), headers=factory.auth(scene.agent))).json()["items"]
    assert [i["id"] for i in items] == [str(question.id), str(reply.id), str(unknown.id)]
    assert items[0]["sender"] is None and items[0]["reply_to"] is None
    assert items[1]["sender"] == {"id": str(scene.agent.id), "name": "Ana"}
    assert items[1]["error"] == {"code": 131047, "title": "Re-engagement message", "details": None}
    assert items[1]["reply_to"] == {
        "id": str(question.id),
        "wamid": "wamid.Q",
        "text": "Cadê?",
        "direction": "inbound",
    }
    # A quoted message Atende never stored: only its wamid is known.
    assert items[2]["reply_to"] == {
        "id": None,
        "wamid": "wamid.GONE",
        "text": None,
        "direction": None,
    }


async def test_quotes_never_reveal_another_customers_thread(
    client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    stranger = await factory.conversation(number=scene.number)
    await factory.message(conversation=stranger, text="segredo", wamid="wamid.SECRET")
    quoting = await factory.message(conversation=scene.conversation)
    quoting.reply_to_wamid = "wamid.SECRET"
    await factory.commit()
    items = (await client.get(url(scene), headers=factory.auth(scene.admin))).json()["items"]
    assert items[0]["reply_to"]["text"] is None


async def test_page_costs_the_same_queries_whatever_its_size(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database
) -> None:
    for i in range(30):
        quoted = await factory.message(
            conversation=scene.conversation, text=f"q{i}", at=ago(minutes=90 - i)
        )
        reply = await factory.message(
            conversation=scene.conversation,
            direction=Direction.OUTBOUND,
            sender=scene.agent,
            at=ago(minutes=60 - i),
        )
        reply.reply_to_wamid = quoted.wamid
    await factory.commit()
    headers = factory.auth(scene.agent)
    with count_statements(db) as small:
        assert (
            len(
                (await client.get(url(scene), params={"limit": 2}, headers=headers)).json()["items"]
            )
            == 2
        )
    with count_statements(db) as large:
        assert (
            len(
                (await client.get(url(scene), params={"limit": 60}, headers=headers)).json()[
                    "items"
                ]
            )
            == 60
        )
    assert len(large) == len(small)


async def test_hidden_conversation_and_bad_cursors(
    client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    hidden = await client.get(url(scene), headers=factory.auth(scene.outsider))
    assert hidden.status_code == 404
    other = await factory.conversation(number=scene.number)
    foreign = await factory.message(conversation=other)
    await factory.commit()
    headers = factory.auth(scene.agent)
    bad = await client.get(url(scene), params={"before": str(foreign.id)}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_cursor"
    assert (
        await client.get(url(scene), params={"before": "nope"}, headers=headers)
    ).status_code == 422
    assert (await client.get(url(scene), params={"limit": 201}, headers=headers)).status_code == 422
