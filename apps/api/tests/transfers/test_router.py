"""POST /api/conversations/{id}/transfer and the audit trail."""

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from atende.conversations.models import Conversation
from atende.core.db import Database, Event
from atende.realtime.events import role_room, team_room, user_room
from atende.transfers.models import Transfer
from atende.users.models import Role, User
from tests.factories import Factory

STAFF_ROOMS = {role_room(Role.ADMIN), role_room(Role.SUPERVISOR)}


async def _transfer(
    client: httpx.AsyncClient, factory: Factory, user: User, conv: Conversation, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/conversations/{conv.id}/transfer", json=body, headers=factory.auth(user)
    )


async def _transfers(db: Database, conv_id: uuid.UUID) -> list[Transfer]:
    async with db.session() as s:
        stmt = select(Transfer).where(Transfer.conversation_id == conv_id)
        return list((await s.scalars(stmt.order_by(Transfer.created_at, Transfer.id))).all())


async def test_agent_transfers_their_conversation_to_another_teams_queue(
    client: httpx.AsyncClient, factory: Factory, db: Database, events: list[Event]
) -> None:
    sales = await factory.team(name="Sales")
    support = await factory.team(name="Support")
    agent = await factory.user(teams=[sales], name="Ana")
    conv = await factory.conversation(number=await factory.number(), team=sales, assignee=agent)
    await factory.commit()

    response = await _transfer(
        client, factory, agent, conv, to_team_id=str(support.id), reason="  billing question "
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["team"] == {"id": str(support.id), "name": "Support"}
    assert body["assignee"] is None
    [t] = await _transfers(db, conv.id)
    assert (t.kind, t.from_user_id, t.from_team_id) == ("transfer", agent.id, sales.id)
    assert (t.to_user_id, t.to_team_id, t.by_user_id) == (None, support.id, agent.id)
    assert t.reason == "billing question"
    [ev] = events
    assert ev.name == "conversation:transferred"
    assert ev.rooms == STAFF_ROOMS | {
        team_room(support.id),
        team_room(sales.id),
        user_room(agent.id),
    }
    assert ev.payload["transfer"]["from_user"] == {"id": str(agent.id), "name": "Ana"}
    assert ev.payload["transfer"]["to_team"] == {"id": str(support.id), "name": "Support"}
    assert ev.payload["conversation"]["team"]["id"] == str(support.id)
    # The agent no longer sees it.
    gone = await client.get(f"/api/conversations/{conv.id}", headers=factory.auth(agent))
    assert gone.status_code == 404


async def test_agent_transfers_to_a_colleague_in_the_same_team(
    client: httpx.AsyncClient, factory: Factory, db: Database
) -> None:
    team = await factory.team()
    agent = await factory.user(teams=[team])
    colleague = await factory.user(teams=[team])
    conv = await factory.conversation(number=await factory.number(), team=team, assignee=agent)
    await factory.commit()
    response = await _transfer(client, factory, agent, conv, to_user_id=str(colleague.id))
    assert response.status_code == 200
    assert response.json()["assignee"]["id"] == str(colleague.id)
    [t] = await _transfers(db, conv.id)
    assert (t.to_user_id, t.to_team_id) == (colleague.id, team.id)


async def test_agent_may_only_transfer_their_own(
    client: httpx.AsyncClient, factory: Factory, db: Database
) -> None:
    team = await factory.team()
    agent = await factory.user(teams=[team])
    colleague = await factory.user(teams=[team])
    number = await factory.number()
    theirs = await factory.conversation(number=number, team=team, assignee=colleague)
    queued = await factory.conversation(number=number, team=team)
    await factory.commit()
    for conv in (theirs, queued):
        response = await _transfer(client, factory, agent, conv, to_team_id=str(team.id))
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "transfer_forbidden"
        assert await _transfers(db, conv.id) == []


async def test_transfer_needs_a_valid_target(
    client: httpx.AsyncClient, factory: Factory, db: Database
) -> None:
    sales = await factory.team()
    support = await factory.team()
    sup = await factory.user(role=Role.SUPERVISOR)
    seller = await factory.user(teams=[sales])
    helper = await factory.user(teams=[support])
    gone = await factory.user(teams=[support], is_active=False)
    conv = await factory.conversation(number=await factory.number(), team=sales, assignee=seller)
    await factory.commit()

    cases = {
        "transfer_target_required": {"reason": "no target"},
        "assignee_not_in_team": {"to_user_id": str(helper.id)},
        "assignee_inactive": {"to_user_id": str(gone.id), "to_team_id": str(support.id)},
        "transfer_unchanged": {"to_user_id": str(seller.id)},
        "team_not_found": {"to_team_id": str(uuid.uuid4())},
    }
    for code, body in cases.items():
        response = await _transfer(client, factory, sup, conv, **body)
        assert response.status_code == 422, code
        assert response.json()["error"]["code"] == code
    not_member_of_given = await _transfer(
        client, factory, sup, conv, to_user_id=str(seller.id), to_team_id=str(support.id)
    )
    assert not_member_of_given.json()["error"]["code"] == "assignee_not_in_team"
    assert await _transfers(db, conv.id) == []


async def test_trail_lists_every_assignment_change_oldest_first(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    sales = await factory.team(name="Sales")
    support = await factory.team(name="Support")
    sup = await factory.user(role=Role.SUPERVISOR, name="Sue")
    agent = await factory.user(teams=[sales], name="Ana")
    helper = await factory.user(teams=[support], name="Hel")
    conv = await factory.conversation(number=await factory.number(), team=sales)
    await factory.commit()
    base = f"/api/conversations/{conv.id}"
    auth = factory.auth

    steps = [
        (agent, "assign", {"assignee_id": str(agent.id)}),
        (agent, "resolve", {}),
        (agent, "reopen", {}),
        (sup, "transfer", {"to_user_id": str(helper.id), "to_team_id": str(support.id)}),
        (sup, "assign", {"assignee_id": None}),
    ]
    for user, action, body in steps:
        response = await client.post(f"{base}/{action}", json=body, headers=auth(user))
        assert response.status_code == 200, response.text

    trail = await client.get(f"{base}/transfers", headers=auth(sup))
    assert trail.status_code == 200
    items = trail.json()["items"]
    assert trail.json()["next_cursor"] is None
    ana, hel, sue = ({"id": str(u.id), "name": u.name} for u in (agent, helper, sup))
    sales_ref = {"id": str(sales.id), "name": "Sales"}
    support_ref = {"id": str(support.id), "name": "Support"}
    summary = [
        (i["kind"], i["from_user"], i["from_team"], i["to_user"], i["to_team"], i["by_user"])
        for i in items
    ]
    assert summary == [
        ("take", None, sales_ref, ana, sales_ref, ana),
        ("transfer", ana, sales_ref, hel, support_ref, sue),
        ("unassign", hel, support_ref, None, support_ref, sue),
    ]
    assert all(i["conversation_id"] == str(conv.id) and i["created_at"] for i in items)
    # The agent no longer sees the conversation, nor its trail.
    hidden = await client.get(f"{base}/transfers", headers=auth(agent))
    assert hidden.status_code == 404
