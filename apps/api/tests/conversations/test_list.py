"""GET /api/conversations: views, filters, keyset pagination, one query per page."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event

from atende.conversations.models import Conversation, ConversationStatus
from atende.core.db import Database
from atende.messages.models import Direction
from atende.numbers.models import Number
from atende.teams.models import Team
from atende.users.models import Role, User
from tests.factories import Factory, ago


async def _list(
    client: httpx.AsyncClient, factory: Factory, user: User, **params: Any
) -> httpx.Response:
    return await client.get("/api/conversations", params=params, headers=factory.auth(user))


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


@dataclass
class Inbox:
    agent: User
    colleague: User
    supervisor: User
    sales: Team
    support: Team
    number: Number
    mine: Conversation
    sales_queue: Conversation
    colleagues: Conversation
    no_team: Conversation
    support_queue: Conversation
    mine_in_support: Conversation
    resolved_queue: Conversation


async def _inbox(factory: Factory) -> Inbox:
    sales = await factory.team(name="Sales")
    support = await factory.team(name="Support")
    agent = await factory.user(teams=[sales], name="Ana")
    colleague = await factory.user(teams=[sales], name="Bia")
    supervisor = await factory.user(role=Role.SUPERVISOR)
    number = await factory.number()

    async def conv(minutes: int, **kwargs: Any) -> Conversation:
        return await factory.conversation(
            number=number, last_inbound_at=ago(minutes=minutes), **kwargs
        )

    inbox = Inbox(
        agent=agent,
        colleague=colleague,
        supervisor=supervisor,
        sales=sales,
        support=support,
        number=number,
        mine=await conv(1, team=sales, assignee=agent),
        sales_queue=await conv(2, team=sales),
        colleagues=await conv(3, team=sales, assignee=colleague),
        no_team=await conv(4),
        support_queue=await conv(5, team=support),
        mine_in_support=await conv(6, team=support, assignee=agent),
        resolved_queue=await conv(7, team=sales, status=ConversationStatus.RESOLVED),
    )
    await factory.commit()
    return inbox


async def test_list_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/conversations")
    assert response.status_code == 401


async def test_agent_may_not_list_all(client: httpx.AsyncClient, factory: Factory) -> None:
    agent = await factory.user()
    await factory.commit()
    response = await _list(client, factory, agent, view="all")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "view_forbidden"


async def test_each_view_lists_its_tab_newest_first(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    i = await _inbox(factory)
    ids = lambda *cs: [str(c.id) for c in cs]  # noqa: E731

    assert _ids(await _list(client, factory, i.agent, view="mine")) == ids(
        i.mine, i.mine_in_support
    )
    assert _ids(await _list(client, factory, i.agent, view="team")) == ids(
        i.mine, i.sales_queue, i.colleagues, i.resolved_queue
    )
    # Unassigned: open, nobody on it, and visible (own teams or no team): not Support's queue.
    assert _ids(await _list(client, factory, i.agent, view="unassigned")) == ids(
        i.sales_queue, i.no_team
    )
    assert _ids(await _list(client, factory, i.supervisor, view="unassigned")) == ids(
        i.sales_queue, i.no_team, i.support_queue
    )
    assert _ids(await _list(client, factory, i.supervisor, view="all")) == ids(
        i.mine,
        i.sales_queue,
        i.colleagues,
        i.no_team,
        i.support_queue,
        i.mine_in_support,
        i.resolved_queue,
    )
    # A supervisor with no team has an empty team tab.
    assert _ids(await _list(client, factory, i.supervisor, view="team")) == []


async def test_filters_by_status_number_and_team(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    i = await _inbox(factory)
    other_number = await factory.number()
    elsewhere = await factory.conversation(number=other_number, team=i.sales)
    await factory.commit()
    sup = i.supervisor

    resolved = _ids(await _list(client, factory, sup, view="all", status="resolved"))
    assert resolved == [str(i.resolved_queue.id)]
    open_team = _ids(await _list(client, factory, i.agent, view="team", status="open"))
    assert str(i.resolved_queue.id) not in open_team and len(open_team) == 4
    by_number = _ids(await _list(client, factory, sup, view="all", number_id=str(other_number.id)))
    assert by_number == [str(elsewhere.id)]
    by_team = _ids(await _list(client, factory, sup, view="all", team_id=str(i.support.id)))
    assert by_team == [str(i.support_queue.id), str(i.mine_in_support.id)]
    bad = await _list(client, factory, sup, view="all", status="closed")
    assert bad.status_code == 422


async def test_search_matches_name_and_wa_id_case_insensitively(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    sup = await factory.user(role=Role.SUPERVISOR)
    number = await factory.number()
    joao = await factory.contact(name="JOÃO da Silva", wa_id="5511988887777")
    percent = await factory.contact(name="Promo 50% off")
    under = await factory.contact(name="a_b")
    plain = await factory.contact(name="axb")
    convs = {}
    for contact in (joao, percent, under, plain):
        convs[contact.id] = await factory.conversation(number=number, contact=contact)
    await factory.commit()

    async def search(q: str) -> set[str]:
        return set(_ids(await _list(client, factory, sup, view="all", q=q)))

    assert await search("joão") == {str(convs[joao.id].id)}
    assert await search("SILVA") == {str(convs[joao.id].id)}
    assert await search("98888") == {str(convs[joao.id].id)}
    # LIKE wildcards in the text are literal characters.
    assert await search("50%") == {str(convs[percent.id].id)}
    assert await search("a_b") == {str(convs[under.id].id)}
    assert await search("%") == {str(convs[percent.id].id)}
    # Written as a phone number, digits match digits; digits inside a name stay text.
    assert await search("+55 (11) 98888-7777") == {str(convs[joao.id].id)}
    assert await search("Promo 98888") == set()


async def test_items_carry_the_whole_inbox_row(client: httpx.AsyncClient, factory: Factory) -> None:
    team = await factory.team(name="Sales")
    agent = await factory.user(teams=[team], name="Ana")
    number = await factory.number(label="Loja")
    contact = await factory.contact(name="Maria", wa_id="5511912345678")
    inbound_at = ago(hours=2)
    conv = await factory.conversation(
        number=number, contact=contact, team=team, assignee=agent, last_inbound_at=inbound_at
    )
    await factory.message(conversation=conv, text="oi", at=inbound_at)
    reply = await factory.message(
        conversation=conv, direction=Direction.OUTBOUND, text="Olá!", sender=agent
    )
    conv.last_message_id = reply.id
    conv.last_message_at = reply.created_at
    conv.unread_count = 3
    await factory.commit()

    response = await _list(client, factory, agent, view="mine")
    item = response.json()["items"][0]
    assert item["id"] == str(conv.id)
    assert item["status"] == "open"
    assert item["number"] == {
        "id": str(number.id),
        "label": "Loja",
        "display_phone_number": number.display_phone_number,
    }
    assert item["contact"] == {
        "id": str(contact.id),
        "name": "Maria",
        "wa_id": "5511912345678",
        "user_id": None,
    }
    assert item["assignee"] == {"id": str(agent.id), "name": "Ana"}
    assert item["team"] == {"id": str(team.id), "name": "Sales"}
    assert item["last_message"]["text"] == "Olá!"
    assert item["last_message"]["direction"] == "outbound"
    assert item["last_message"]["sender"] == {"id": str(agent.id), "name": "Ana"}
    assert item["unread_count"] == 3
    expires = datetime.fromisoformat(item["window_expires_at"])
    assert expires == inbound_at + timedelta(hours=24)
    assert response.json()["next_cursor"] is None


async def test_keyset_pages_are_stable_under_new_conversations(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    sup = await factory.user(role=Role.SUPERVISOR)
    number = await factory.number()
    same_time = ago(minutes=30)
    convs = []
    for n in range(7):
        conv = await factory.conversation(number=number, last_inbound_at=ago(minutes=10 + n))
        convs.append(conv)
    # Ties on last_message_at are ordered by id.
    for conv in convs[2:5]:
        conv.last_message_at = same_time
    await factory.commit()
    expected = sorted(convs, key=lambda c: (c.last_message_at, c.id), reverse=True)

    first = await _list(client, factory, sup, view="all", limit=3)
    assert _ids(first) == [str(c.id) for c in expected[:3]]
    cursor = first.json()["next_cursor"]
    assert cursor

    # New activity arriving between pages goes to the top; it never shifts the next page.
    await factory.conversation(number=number)
    await factory.commit()

    second = await _list(client, factory, sup, view="all", limit=3, cursor=cursor)
    assert _ids(second) == [str(c.id) for c in expected[3:6]]
    next_cursor = second.json()["next_cursor"]
    third = await _list(client, factory, sup, view="all", limit=3, cursor=next_cursor)
    assert _ids(third) == [str(expected[6].id)]
    assert third.json()["next_cursor"] is None


async def test_bad_cursor_and_limit_are_rejected(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    sup = await factory.user(role=Role.SUPERVISOR)
    await factory.commit()
    bad_cursor = await _list(client, factory, sup, view="all", cursor="not-a-cursor")
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["error"]["code"] == "invalid_cursor"
    too_many = await _list(client, factory, sup, view="all", limit=201)
    assert too_many.status_code == 422


async def test_one_query_per_page_whatever_its_size(
    client: httpx.AsyncClient, factory: Factory, db: Database
) -> None:
    team = await factory.team()
    sup = await factory.user(role=Role.SUPERVISOR, teams=[team])
    number = await factory.number()
    for _ in range(30):
        conv = await factory.conversation(number=number, team=team, assignee=sup)
        message = await factory.message(conversation=conv, sender=sup)
        conv.last_message_id = message.id
    await factory.commit()

    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(db.engine.sync_engine, "after_cursor_execute", count)
    try:
        small = await _list(client, factory, sup, view="all", limit=2)
        small_count = len(statements)
        statements.clear()
        large = await _list(client, factory, sup, view="team", limit=30)
        large_count = len(statements)
    finally:
        event.remove(db.engine.sync_engine, "after_cursor_execute", count)
    assert len(small.json()["items"]) == 2
    assert len(large.json()["items"]) == 30
    assert small_count == large_count
    # The principal (user + teams) and the page itself.
    conversation_selects = [s for s in statements if "FROM conversations" in s]
    assert len(conversation_selects) == 1
