import uuid

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atende.conversations.models import Conversation
from atende.numbers.models import Number
from atende.teams.models import Team, TeamMember
from atende.transfers.models import Transfer, TransferKind
from atende.users.models import Role
from tests.factories import Factory


async def _admin(factory: Factory) -> dict[str, str]:
    admin = await factory.user(role=Role.ADMIN, name="Admin")
    await factory.commit()
    return factory.auth(admin)


async def _member_ids(session: AsyncSession, team_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team_id))
    return set(rows.all())


async def test_create_team_with_members(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _admin(factory)
    bia = await factory.user(name="Bia", role=Role.AGENT)
    ana = await factory.user(name="Ana", role=Role.SUPERVISOR)
    await factory.commit()

    response = await client.post(
        "/api/teams",
        headers=headers,
        json={"name": "  Vendas  ", "user_ids": [str(bia.id), str(ana.id)]},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Vendas"
    assert body["members"] == [
        {"id": str(ana.id), "name": "Ana", "role": "SUPERVISOR"},
        {"id": str(bia.id), "name": "Bia", "role": "AGENT"},
    ]
    assert body["created_at"]
    assert await _member_ids(session, uuid.UUID(body["id"])) == {ana.id, bia.id}


async def test_team_name_is_unique_case_insensitively(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _admin(factory)
    await factory.team(name="Suporte")
    other = await factory.team(name="Vendas")
    await factory.commit()

    created = await client.post("/api/teams", headers=headers, json={"name": "SUPORTE"})
    renamed = await client.patch(
        f"/api/teams/{other.id}", headers=headers, json={"name": "suporte"}
    )

    assert created.status_code == renamed.status_code == 409
    assert created.json()["error"]["code"] == "team_name_taken"
    assert renamed.json()["error"]["code"] == "team_name_taken"
    assert await session.scalar(select(func.count()).select_from(Team)) == 2


async def test_rename_team(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _admin(factory)
    team = await factory.team(name="Suporte")
    await factory.commit()

    response = await client.patch(
        f"/api/teams/{team.id}", headers=headers, json={"name": "Suporte N2"}
    )
    same_name = await client.patch(
        f"/api/teams/{team.id}", headers=headers, json={"name": "Suporte N2"}
    )

    assert response.status_code == same_name.status_code == 200
    assert response.json()["name"] == "Suporte N2"
    await session.refresh(team)
    assert team.name == "Suporte N2"


async def test_put_members_replaces_the_set(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _admin(factory)
    team = await factory.team()
    stays = await factory.user(name="Fica", teams=[team])
    leaves = await factory.user(name="Sai", teams=[team])
    joins = await factory.user(name="Entra")
    await factory.commit()

    response = await client.put(
        f"/api/teams/{team.id}/members",
        headers=headers,
        json={"user_ids": [str(stays.id), str(joins.id)]},
    )

    assert response.status_code == 200
    assert [m["name"] for m in response.json()["members"]] == ["Entra", "Fica"]
    assert await _member_ids(session, team.id) == {stays.id, joins.id}
    assert leaves.id not in await _member_ids(session, team.id)

    emptied = await client.put(
        f"/api/teams/{team.id}/members", headers=headers, json={"user_ids": []}
    )
    assert emptied.status_code == 200
    assert emptied.json()["members"] == []
    assert await _member_ids(session, team.id) == set()


async def test_put_members_with_unknown_user_changes_nothing(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _admin(factory)
    team = await factory.team()
    member = await factory.user(teams=[team])
    await factory.commit()
    missing = uuid.uuid4()

    response = await client.put(
        f"/api/teams/{team.id}/members",
        headers=headers,
        json={"user_ids": [str(missing)]},
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_user"
    assert str(missing) in response.json()["error"]["message"]
    assert await _member_ids(session, team.id) == {member.id}


async def test_put_members_of_unknown_team_is_404(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    headers = await _admin(factory)
    response = await client.put(
        f"/api/teams/{uuid.uuid4()}/members", headers=headers, json={"user_ids": []}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "team_not_found"


async def test_delete_team_detaches_conversations_and_numbers(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _admin(factory)
    team = await factory.team()
    member = await factory.user(teams=[team])
    number = await factory.number(default_team=team)
    conversation = await factory.conversation(number=number, team=team, assignee=member)
    await factory.commit()

    response = await client.delete(f"/api/teams/{team.id}", headers=headers)

    assert response.status_code == 204
    assert await session.get(Team, team.id, populate_existing=True) is None
    refreshed_number = await session.get(Number, number.id, populate_existing=True)
    refreshed_conversation = await session.get(
        Conversation, conversation.id, populate_existing=True
    )
    assert refreshed_number is not None and refreshed_number.default_team_id is None
    assert refreshed_conversation is not None and refreshed_conversation.team_id is None
    assert refreshed_conversation.assignee_id == member.id
    assert await _member_ids(session, team.id) == set()
    gone = await client.get(f"/api/teams/{team.id}", headers=headers)
    assert gone.status_code == 404


async def test_delete_team_named_in_transfer_history_is_refused(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    admin = await factory.user(role=Role.ADMIN)
    team = await factory.team()
    conversation = await factory.conversation(number=await factory.number())
    session.add(
        Transfer(
            conversation_id=conversation.id,
            kind=TransferKind.TRANSFER,
            to_team_id=team.id,
            by_user_id=admin.id,
        )
    )
    await factory.commit()

    response = await client.delete(f"/api/teams/{team.id}", headers=factory.auth(admin))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "team_in_use"
    assert await session.get(Team, team.id, populate_existing=True) is not None


async def test_agents_read_teams_with_paging_and_search(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    agent = await factory.user(role=Role.AGENT)
    for name in ["Cobrança", "atendimento", "Suporte", "Vendas B2B", "Vendas B2C"]:
        await factory.team(name=name)
    await factory.commit()
    headers = factory.auth(agent)

    first = await client.get("/api/teams", headers=headers, params={"limit": 3})
    second = await client.get(
        "/api/teams", headers=headers, params={"limit": 3, "cursor": first.json()["next_cursor"]}
    )
    searched = await client.get("/api/teams", headers=headers, params={"q": "vendas"})

    assert first.status_code == second.status_code == searched.status_code == 200
    names = [t["name"] for t in first.json()["items"] + second.json()["items"]]
    assert names == ["atendimento", "Cobrança", "Suporte", "Vendas B2B", "Vendas B2C"]
    assert second.json()["next_cursor"] is None
    assert [t["name"] for t in searched.json()["items"]] == ["Vendas B2B", "Vendas B2C"]
