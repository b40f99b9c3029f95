"""One conversation, tab counts, resolve/reopen and a contact's history."""

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from atende.conversations.models import Conversation, ConversationStatus
from atende.core.db import Database, Event
from atende.realtime.events import role_room, team_room, user_room
from atende.transfers.models import Transfer
from atende.users.models import Role, User
from tests.factories import Factory, ago

STAFF_ROOMS = {role_room(Role.ADMIN), role_room(Role.SUPERVISOR)}


async def _get(
    client: httpx.AsyncClient, factory: Factory, user: User, path: str
) -> httpx.Response:
    return await client.get(path, headers=factory.auth(user))


async def _post(
    client: httpx.AsyncClient, factory: Factory, user: User, path: str, **body: Any
) -> httpx.Response:
    return await client.post(path, json=body, headers=factory.auth(user))


async def _stored(db: Database, conv_id: uuid.UUID) -> Conversation:
    async with db.session() as s:
        conv = await s.get(Conversation, conv_id)
        assert conv is not None
        return conv


async def test_get_answers_404_for_what_an_agent_may_not_see(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    sales = await factory.team()
    support = await factory.team()
    agent = await factory.user(teams=[sales])
    sup = await factory.user(role=Role.SUPERVISOR)
    number = await factory.number()
    team_conv = await factory.conversation(number=number, team=sales)
    no_team = await factory.conversation(number=number)
    mine_elsewhere = await factory.conversation(number=number, team=support, assignee=agent)
    hidden = await factory.conversation(number=number, team=support)
    await factory.commit()

    for conv in (team_conv, no_team, mine_elsewhere):
        response = await _get(client, factory, agent, f"/api/conversations/{conv.id}")
        assert response.status_code == 200
        assert response.json()["id"] == str(conv.id)
    for path in (f"/api/conversations/{hidden.id}", f"/api/conversations/{uuid.uuid4()}"):
        response = await _get(client, factory, agent, path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "conversation_not_found"
    assert (await _get(client, factory, sup, f"/api/conversations/{hidden.id}")).status_code == 200


async def test_counts_are_open_conversations_per_tab(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    sales = await factory.team()
    support = await factory.team()
    agent = await factory.user(teams=[sales])
    sup = await factory.user(role=Role.SUPERVISOR, teams=[support])
    number = await factory.number()
    await factory.conversation(number=number, team=sales, assignee=agent)
    await factory.conversation(number=number, team=support, assignee=agent)
    await factory.conversation(number=number, team=sales)
    await factory.conversation(number=number)
    await factory.conversation(number=number, team=support)
    await factory.conversation(number=number, team=sales, status=ConversationStatus.RESOLVED)
    await factory.commit()

    agent_counts = await _get(client, factory, agent, "/api/conversations/counts")
    assert agent_counts.json() == {"mine": 2, "team": 2, "unassigned": 2}
    sup_counts = await _get(client, factory, sup, "/api/conversations/counts")
    assert sup_counts.json() == {"mine": 0, "team": 2, "unassigned": 3, "all": 5}
    other_number = await _get(
        client, factory, sup, f"/api/conversations/counts?number_id={uuid.uuid4()}"
    )
    assert other_number.json() == {"mine": 0, "team": 0, "unassigned": 0, "all": 0}


async def test_resolve_then_reopen(
    client: httpx.AsyncClient, factory: Factory, db: Database, events: list[Event]
) -> None:
    team = await factory.team()
    agent = await factory.user(teams=[team])
    conv = await factory.conversation(number=await factory.number(), team=team, assignee=agent)
    await factory.commit()
    path = f"/api/conversations/{conv.id}"

    resolved = await _post(client, factory, agent, f"{path}/resolve")
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved"
    stored = await _stored(db, conv.id)
    assert stored.status == "resolved" and stored.resolved_at is not None
    again = await _post(client, factory, agent, f"{path}/resolve")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conversation_already_resolved"

    reopened = await _post(client, factory, agent, f"{path}/reopen")
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    stored = await _stored(db, conv.id)
    assert stored.status == "open" and stored.resolved_at is None
    assert (await _post(client, factory, agent, f"{path}/reopen")).status_code == 409

    assert [e.name for e in events] == ["conversation:updated"] * 2
    assert events[0].payload["conversation"]["status"] == "resolved"
    assert events[0].rooms == STAFF_ROOMS | {team_room(team.id), user_room(agent.id)}
    async with db.session() as s:
        assert (await s.scalars(select(Transfer))).all() == []


async def test_reopen_refuses_a_second_open_conversation_for_the_pair(
    client: httpx.AsyncClient, factory: Factory, db: Database
) -> None:
    sup = await factory.user(role=Role.SUPERVISOR)
    number = await factory.number()
    contact = await factory.contact()
    old = await factory.conversation(
        number=number, contact=contact, status=ConversationStatus.RESOLVED
    )
    await factory.conversation(number=number, contact=contact)
    await factory.commit()

    response = await _post(client, factory, sup, f"/api/conversations/{old.id}/reopen")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "open_conversation_exists"
    assert (await _stored(db, old.id)).status == "resolved"


async def test_agent_may_not_resolve_a_colleagues_conversation(
    client: httpx.AsyncClient, factory: Factory, db: Database
) -> None:
    team = await factory.team()
    agent = await factory.user(teams=[team])
    colleague = await factory.user(teams=[team])
    number = await factory.number()
    theirs = await factory.conversation(number=number, team=team, assignee=colleague)
    queued = await factory.conversation(number=number, team=team)
    await factory.commit()

    refused = await _post(client, factory, agent, f"/api/conversations/{theirs.id}/resolve")
    allowed = await _post(client, factory, agent, f"/api/conversations/{queued.id}/resolve")

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "status_change_forbidden"
    assert allowed.status_code == 200
    assert (await _stored(db, theirs.id)).status == "open"


async def test_contact_history_is_newest_first_and_only_what_the_caller_sees(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    sales = await factory.team()
    support = await factory.team()
    agent = await factory.user(teams=[sales])
    sup = await factory.user(role=Role.SUPERVISOR)
    number = await factory.number()
    contact = await factory.contact()
    convs = []
    for days, team in ((30, sales), (20, support), (10, None), (1, sales)):
        status = ConversationStatus.OPEN if days == 1 else ConversationStatus.RESOLVED
        convs.append(
            await factory.conversation(
                number=number,
                contact=contact,
                team=team,
                status=status,
                created_at=ago(days=days),
            )
        )
    await factory.conversation(number=number)  # another contact's
    await factory.commit()
    path = f"/api/contacts/{contact.id}/conversations"

    everything = await _get(client, factory, sup, path)
    assert [i["id"] for i in everything.json()["items"]] == [str(c.id) for c in reversed(convs)]
    visible = await _get(client, factory, agent, path)
    assert [i["id"] for i in visible.json()["items"]] == [
        str(convs[3].id),
        str(convs[2].id),
        str(convs[0].id),
    ]
    page = await _get(client, factory, sup, f"{path}?limit=3")
    assert len(page.json()["items"]) == 3
    rest = await _get(client, factory, sup, f"{path}?limit=3&cursor={page.json()['next_cursor']}")
    assert [i["id"] for i in rest.json()["items"]] == [str(convs[0].id)]
    assert rest.json()["next_cursor"] is None

    missing = await _get(client, factory, sup, f"/api/contacts/{uuid.uuid4()}/conversations")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "contact_not_found"
