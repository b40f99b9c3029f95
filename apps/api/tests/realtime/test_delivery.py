"""Committed events reach exactly the sockets of users who may see the conversation, once."""

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from atende.core.db import Database, commit, queue_event
from atende.realtime.events import CONVERSATION_UPDATED, MESSAGE_NEW, conversation_event
from atende.teams.models import Team
from atende.users.models import Role, User
from tests.factories import Factory
from tests.realtime.conftest import QUIET_PERIOD, Client, Connect, LiveServer


async def publish(
    session: AsyncSession,
    *,
    team_id: uuid.UUID | None,
    assignee_id: uuid.UUID | None = None,
    name: str = MESSAGE_NEW,
) -> dict[str, object]:
    conversation_id = str(uuid.uuid4())
    payload: dict[str, object] = {"conversation": {"id": conversation_id}, "message": {"n": 1}}
    queue_event(
        session, conversation_event(name, payload, team_id=team_id, assignee_id=assignee_id)
    )
    await commit(session)
    return payload


async def connect_all(
    server: LiveServer, factory: Factory, connect: Connect, *users: User
) -> list[Client]:
    return [await connect(server.base_url, factory.token_for(u)) for u in users]


async def test_team_event_reaches_team_agent_supervisor_and_admin_only(
    server: LiveServer, factory: Factory, connect: Connect, session: AsyncSession
) -> None:
    team_a, team_b = await factory.team(), await factory.team()
    agent_a = await factory.user(role=Role.AGENT, teams=[team_a])
    agent_b = await factory.user(role=Role.AGENT, teams=[team_b])
    supervisor = await factory.user(role=Role.SUPERVISOR)
    admin = await factory.user(role=Role.ADMIN)
    await factory.commit()
    a, b, sup, adm = await connect_all(
        server, factory, connect, agent_a, agent_b, supervisor, admin
    )

    payload = await publish(session, team_id=team_a.id)

    for client in (a, sup, adm):
        assert await client.wait_for(MESSAGE_NEW) == payload
    await asyncio.sleep(QUIET_PERIOD)
    assert b.received == []


async def test_teamless_event_reaches_every_agent(
    server: LiveServer, factory: Factory, connect: Connect, session: AsyncSession
) -> None:
    team_a, team_b = await factory.team(), await factory.team()
    agent_a = await factory.user(teams=[team_a])
    agent_b = await factory.user(teams=[team_b])
    loner = await factory.user()
    await factory.commit()
    clients = await connect_all(server, factory, connect, agent_a, agent_b, loner)

    payload = await publish(session, team_id=None, name=CONVERSATION_UPDATED)

    for client in clients:
        assert await client.wait_for(CONVERSATION_UPDATED) == payload


async def test_assignee_outside_the_team_gets_the_event_through_their_user_room(
    server: LiveServer, factory: Factory, connect: Connect, session: AsyncSession
) -> None:
    team_a, team_b = await factory.team(), await factory.team()
    assignee = await factory.user(teams=[team_b])
    bystander = await factory.user(teams=[team_b])
    await factory.commit()
    assigned, other = await connect_all(server, factory, connect, assignee, bystander)

    payload = await publish(session, team_id=team_a.id, assignee_id=assignee.id)

    assert await assigned.wait_for(MESSAGE_NEW) == payload
    await asyncio.sleep(QUIET_PERIOD)
    assert other.received == []


async def test_socket_in_several_of_the_rooms_gets_the_event_once(
    server: LiveServer, factory: Factory, connect: Connect, session: AsyncSession
) -> None:
    team = await factory.team()
    # In role:SUPERVISOR, team:<id> and (as assignee) user:<id> at once.
    supervisor = await factory.user(role=Role.SUPERVISOR, teams=[team])
    await factory.commit()
    (client,) = await connect_all(server, factory, connect, supervisor)

    await publish(session, team_id=team.id, assignee_id=supervisor.id)
    await client.wait_for(MESSAGE_NEW)
    await asyncio.sleep(QUIET_PERIOD)

    assert len(client.payloads(MESSAGE_NEW)) == 1


async def test_every_connection_of_a_user_gets_the_event(
    server: LiveServer, factory: Factory, connect: Connect, session: AsyncSession
) -> None:
    team = await factory.team()
    agent = await factory.user(teams=[team])
    await factory.commit()
    laptop, phone = await connect_all(server, factory, connect, agent, agent)

    payload = await publish(session, team_id=team.id)

    assert await laptop.wait_for(MESSAGE_NEW) == payload
    assert await phone.wait_for(MESSAGE_NEW) == payload


async def test_rolled_back_event_is_never_emitted(
    server: LiveServer, factory: Factory, connect: Connect, db: Database
) -> None:
    team = await factory.team()
    agent = await factory.user(teams=[team])
    await factory.commit()
    (client,) = await connect_all(server, factory, connect, agent)

    async with db.session() as session:
        session.add(Team(name="never-committed"))
        queue_event(
            session,
            conversation_event(MESSAGE_NEW, {"rolled": "back"}, team_id=None, assignee_id=None),
        )
        await session.flush()
        await session.rollback()
        # A later commit in the same session must not resurrect the dropped event.
        await commit(session)
        assert await session.scalar(select(Team).where(Team.name == "never-committed")) is None
    await asyncio.sleep(QUIET_PERIOD)

    assert client.received == []


async def test_event_is_emitted_only_after_commit(
    server: LiveServer, factory: Factory, connect: Connect, db: Database
) -> None:
    team = await factory.team()
    agent = await factory.user(teams=[team])
    await factory.commit()
    (client,) = await connect_all(server, factory, connect, agent)

    async with db.session() as session:
        queue_event(
            session, conversation_event(MESSAGE_NEW, {"x": 1}, team_id=team.id, assignee_id=None)
        )
        await session.flush()
        await asyncio.sleep(QUIET_PERIOD)
        assert client.received == []
        await commit(session)

    assert await client.wait_for(MESSAGE_NEW) == {"x": 1}


async def test_payload_values_are_sent_as_json(
    server: LiveServer, factory: Factory, connect: Connect, session: AsyncSession
) -> None:
    agent = await factory.user()
    await factory.commit()
    (client,) = await connect_all(server, factory, connect, agent)
    conversation_id = uuid.uuid4()
    at = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)

    queue_event(
        session,
        conversation_event(
            CONVERSATION_UPDATED,
            {"conversation": {"id": conversation_id, "updated_at": at}},
            team_id=None,
            assignee_id=None,
        ),
    )
    await commit(session)

    assert await client.wait_for(CONVERSATION_UPDATED) == {
        "conversation": {"id": str(conversation_id), "updated_at": "2026-03-01T12:30:00+00:00"}
    }
