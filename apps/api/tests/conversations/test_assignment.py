"""Assign, take, unassign: RBAC, validation, the audit row, events, and concurrent takes."""

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from atende.conversations import assignment
from atende.conversations.exceptions import ConversationAlreadyAssigned
from atende.conversations.models import Conversation
from atende.conversations.schemas import AssignRequest
from atende.core.db import Database, Event
from atende.core.deps import load_principal
from atende.realtime.events import role_room, team_room, user_room
from atende.transfers.models import Transfer
from atende.users.models import Role, User
from tests.factories import Factory

STAFF_ROOMS = {role_room(Role.ADMIN), role_room(Role.SUPERVISOR)}


async def _assign(
    client: httpx.AsyncClient, factory: Factory, user: User, conv: Conversation, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/conversations/{conv.id}/assign", json=body, headers=factory.auth(user)
    )


async def _state(db: Database, conv_id: uuid.UUID) -> tuple[Conversation, list[Transfer]]:
    async with db.session() as s:
        conv = await s.get(Conversation, conv_id)
        assert conv is not None
        transfers = (
            await s.scalars(
                select(Transfer)
                .where(Transfer.conversation_id == conv_id)
                .order_by(Transfer.created_at, Transfer.id)
            )
        ).all()
        return conv, list(transfers)


async def test_agent_takes_an_unassigned_conversation(
    client: httpx.AsyncClient, factory: Factory, db: Database, events: list[Event]
) -> None:
    team = await factory.team()
    agent = await factory.user(teams=[team], name="Ana")
    conv = await factory.conversation(number=await factory.number(), team=team)
    await factory.commit()

    response = await _assign(client, factory, agent, conv, assignee_id=str(agent.id))

    assert response.status_code == 200, response.text
    assert response.json()["assignee"] == {"id": str(agent.id), "name": "Ana"}
    stored, transfers = await _state(db, conv.id)
    assert stored.assignee_id == agent.id
    assert len(transfers) == 1
    t = transfers[0]
    assert (t.kind, t.from_user_id, t.to_user_id) == ("take", None, agent.id)
    assert t.by_user_id == agent.id
    assert (t.from_team_id, t.to_team_id) == (team.id, team.id)
    [ev] = events
    assert ev.name == "conversation:assigned"
    assert ev.rooms == STAFF_ROOMS | {team_room(team.id), user_room(agent.id)}
    assert ev.payload["conversation"]["assignee"]["id"] == str(agent.id)
    assert ev.payload["transfer"]["kind"] == "take"
    assert ev.payload["transfer"]["to_user"] == {"id": str(agent.id), "name": "Ana"}
    assert ev.payload["transfer"]["id"] == str(t.id)


async def test_agent_cannot_take_an_assigned_conversation(
    client: httpx.AsyncClient, factory: Factory, db: Database, events: list[Event]
) -> None:
    team = await factory.team()
    agent = await factory.user(teams=[team])
    colleague = await factory.user(teams=[team])
    conv = await factory.conversation(number=await factory.number(), team=team, assignee=colleague)
    await factory.commit()

    response = await _assign(client, factory, agent, conv, assignee_id=str(agent.id))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conversation_already_assigned"
    stored, transfers = await _state(db, conv.id)
    assert stored.assignee_id == colleague.id and transfers == [] and events == []


async def test_agent_cannot_assign_to_someone_else_or_move_teams(
    client: httpx.AsyncClient, factory: Factory, db: Database
) -> None:
    team = await factory.team()
    other_team = await factory.team()
    agent = await factory.user(teams=[team])
    colleague = await factory.user(teams=[team])
    conv = await factory.conversation(number=await factory.number(), team=team)
    await factory.commit()

    to_colleague = await _assign(client, factory, agent, conv, assignee_id=str(colleague.id))
    to_team = await _assign(client, factory, agent, conv, team_id=str(other_team.id))

    for response in (to_colleague, to_team):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "assignment_forbidden"
    assert (await _state(db, conv.id))[1] == []


async def test_agent_cannot_touch_a_conversation_they_cannot_see(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    agent = await factory.user(teams=[await factory.team()])
    conv = await factory.conversation(number=await factory.number(), team=await factory.team())
    await factory.commit()
    response = await _assign(client, factory, agent, conv, assignee_id=str(agent.id))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "conversation_not_found"


async def test_agent_gives_back_their_own_but_not_a_colleagues(
    client: httpx.AsyncClient, factory: Factory, db: Database, events: list[Event]
) -> None:
    team = await factory.team()
    agent = await factory.user(teams=[team])
    colleague = await factory.user(teams=[team])
    number = await factory.number()
    own = await factory.conversation(number=number, team=team, assignee=agent)
    theirs = await factory.conversation(number=number, team=team, assignee=colleague)
    await factory.commit()

    released = await _assign(client, factory, agent, own, assignee_id=None)
    refused = await _assign(client, factory, agent, theirs, assignee_id=None)

    assert released.status_code == 200 and released.json()["assignee"] is None
    assert refused.status_code == 403
    stored, [t] = await _state(db, own.id)
    assert stored.assignee_id is None
    assert (t.kind, t.from_user_id, t.to_user_id) == ("unassign", agent.id, None)
    # The previous assignee is told, so the conversation leaves their list.
    assert events[0].rooms == STAFF_ROOMS | {team_room(team.id), user_room(agent.id)}


async def test_repeated_take_is_a_no_op(
    client: httpx.AsyncClient, factory: Factory, db: Database, events: list[Event]
) -> None:
    team = await factory.team()
    agent = await factory.user(teams=[team])
    conv = await factory.conversation(number=await factory.number(), team=team)
    await factory.commit()
    first = await _assign(client, factory, agent, conv, assignee_id=str(agent.id))
    again = await _assign(client, factory, agent, conv, assignee_id=str(agent.id))
    assert first.status_code == again.status_code == 200
    assert len((await _state(db, conv.id))[1]) == 1
    assert len(events) == 1


async def test_empty_assign_body_is_rejected(client: httpx.AsyncClient, factory: Factory) -> None:
    sup = await factory.user(role=Role.SUPERVISOR)
    conv = await factory.conversation(number=await factory.number())
    await factory.commit()
    response = await _assign(client, factory, sup, conv)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "assignment_target_required"


async def test_supervisor_assignment_checks_the_assignee(
    client: httpx.AsyncClient, factory: Factory, db: Database
) -> None:
    sales = await factory.team()
    support = await factory.team()
    sup = await factory.user(role=Role.SUPERVISOR)
    gone = await factory.user(teams=[sales], is_active=False)
    outsider = await factory.user(teams=[support])
    conv = await factory.conversation(number=await factory.number(), team=sales)
    await factory.commit()

    inactive = await _assign(client, factory, sup, conv, assignee_id=str(gone.id))
    not_member = await _assign(client, factory, sup, conv, assignee_id=str(outsider.id))
    not_member_of_given = await _assign(
        client, factory, sup, conv, assignee_id=str(outsider.id), team_id=str(sales.id)
    )
    unknown = await _assign(client, factory, sup, conv, assignee_id=str(uuid.uuid4()))
    unknown_team = await _assign(client, factory, sup, conv, team_id=str(uuid.uuid4()))

    assert inactive.status_code == 422
    assert inactive.json()["error"]["code"] == "assignee_inactive"
    for response in (not_member, not_member_of_given):
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "assignee_not_in_team"
    assert unknown.json()["error"]["code"] == "assignee_not_found"
    assert unknown_team.json()["error"]["code"] == "team_not_found"
    assert (await _state(db, conv.id))[1] == []


async def test_supervisor_moves_a_conversation_to_another_team_and_agent(
    client: httpx.AsyncClient, factory: Factory, db: Database, events: list[Event]
) -> None:
    sales = await factory.team()
    support = await factory.team()
    sup = await factory.user(role=Role.SUPERVISOR)
    seller = await factory.user(teams=[sales])
    helper = await factory.user(teams=[support])
    conv = await factory.conversation(number=await factory.number(), team=sales, assignee=seller)
    await factory.commit()

    response = await _assign(
        client, factory, sup, conv, assignee_id=str(helper.id), team_id=str(support.id)
    )

    assert response.status_code == 200, response.text
    stored, [t] = await _state(db, conv.id)
    assert (stored.assignee_id, stored.team_id) == (helper.id, support.id)
    assert (t.kind, t.from_user_id, t.from_team_id) == ("assign", seller.id, sales.id)
    assert (t.to_user_id, t.to_team_id, t.by_user_id) == (helper.id, support.id, sup.id)
    [ev] = events
    assert ev.name == "conversation:assigned"
    # New and previous audiences: the conversation appears in one list and leaves the other.
    assert ev.rooms == STAFF_ROOMS | {
        team_room(support.id),
        user_room(helper.id),
        team_room(sales.id),
        user_room(seller.id),
    }


async def test_supervisor_may_assign_a_team_less_conversation_to_any_active_user(
    client: httpx.AsyncClient, factory: Factory, events: list[Event]
) -> None:
    sup = await factory.user(role=Role.SUPERVISOR)
    agent = await factory.user(teams=[await factory.team()])
    conv = await factory.conversation(number=await factory.number())
    await factory.commit()
    response = await _assign(client, factory, sup, conv, assignee_id=str(agent.id))
    assert response.status_code == 200
    assert events[0].rooms == STAFF_ROOMS | {role_room(Role.AGENT), user_room(agent.id)}


async def test_concurrent_takes_have_exactly_one_winner(
    client: httpx.AsyncClient, factory: Factory, db: Database, events: list[Event]
) -> None:
    team = await factory.team()
    agents = [await factory.user(teams=[team]) for _ in range(2)]
    convs = [await factory.conversation(number=await factory.number(), team=team) for _ in range(3)]
    await factory.commit()

    for conv in convs:
        responses = await asyncio.gather(
            *(_assign(client, factory, a, conv, assignee_id=str(a.id)) for a in agents)
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 409], [r.text for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.json()["error"]["code"] == "conversation_already_assigned"
        winner = next(r for r in responses if r.status_code == 200).json()["assignee"]["id"]
        stored, transfers = await _state(db, conv.id)
        assert str(stored.assignee_id) == winner
        assert [str(t.to_user_id) for t in transfers] == [winner]
    assert len(events) == len(convs)


async def test_a_take_on_a_stale_read_loses_to_the_committed_one(
    factory: Factory, db: Database
) -> None:
    """Both callers read the conversation unassigned; the conditional UPDATE, not the read,
    decides: the second one changes nothing and gets the 409."""
    team = await factory.team()
    first, second = [await factory.user(teams=[team]) for _ in range(2)]
    conv = await factory.conversation(number=await factory.number(), team=team)
    await factory.commit()

    async with db.session() as s1, db.session() as s2:
        stale_1 = await s1.get(Conversation, conv.id)
        stale_2 = await s2.get(Conversation, conv.id)
        assert stale_1 is not None and stale_2 is not None
        p1 = await load_principal(s1, first.id)
        p2 = await load_principal(s2, second.id)
        assert p1 is not None and p2 is not None
        await s1.commit()
        await s2.commit()
        await assignment.assign(
            s1, conversation=stale_1, actor=p1, body=AssignRequest(assignee_id=first.id)
        )
        try:
            await assignment.assign(
                s2, conversation=stale_2, actor=p2, body=AssignRequest(assignee_id=second.id)
            )
        except ConversationAlreadyAssigned:
            pass
        else:
            raise AssertionError("the second take must lose")

    stored, transfers = await _state(db, conv.id)
    assert stored.assignee_id == first.id
    assert [t.to_user_id for t in transfers] == [first.id]
