"""Who sees and changes which quick reply: personal ones are private, team ones follow the
team's membership, ADMIN/SUPERVISOR manage every team's."""

import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atende.quick_replies.models import QuickReply
from atende.teams.models import TeamMember
from atende.users.models import Role
from tests.factories import Factory


async def _shortcuts(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    response = await client.get("/api/quick-replies", headers=headers)
    assert response.status_code == 200
    return [item["shortcut"] for item in response.json()["items"]]


async def test_agent_lists_own_personal_and_own_teams_replies(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    sales = await factory.team(name="Vendas")
    support = await factory.team(name="Suporte")
    bia = await factory.user(teams=[sales])
    caio = await factory.user(teams=[support])
    await factory.quick_reply(owner=bia, shortcut="bia-pessoal")
    await factory.quick_reply(owner=caio, shortcut="caio-pessoal")
    await factory.quick_reply(owner=caio, team=sales, shortcut="vendas")
    await factory.quick_reply(owner=caio, team=support, shortcut="suporte")
    await factory.commit()

    response = await client.get("/api/quick-replies", headers=factory.auth(bia))

    items = response.json()["items"]
    assert [i["shortcut"] for i in items] == ["bia-pessoal", "vendas"]
    assert items[1]["team"] == {"id": str(sales.id), "name": "Vendas"}
    # Bia did not write the team reply: she may use it, not change it.
    assert [i["can_edit"] for i in items] == [True, False]
    assert response.json()["next_cursor"] is None


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
async def test_staff_list_every_teams_replies_but_only_their_own_personal_ones(
    client: httpx.AsyncClient, factory: Factory, role: Role
) -> None:
    sales = await factory.team()
    support = await factory.team()
    boss = await factory.user(role=role)
    bia = await factory.user(teams=[sales])
    await factory.quick_reply(owner=boss, shortcut="chefe")
    await factory.quick_reply(owner=bia, shortcut="bia-pessoal")
    await factory.quick_reply(owner=bia, team=sales, shortcut="vendas")
    await factory.quick_reply(owner=bia, team=support, shortcut="suporte")
    await factory.commit()

    response = await client.get("/api/quick-replies", headers=factory.auth(boss))

    items = response.json()["items"]
    assert [i["shortcut"] for i in items] == ["chefe", "suporte", "vendas"]
    assert all(i["can_edit"] for i in items)


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ADMIN])
async def test_someone_elses_personal_reply_is_404(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession, role: Role
) -> None:
    bia = await factory.user()
    other = await factory.user(role=role)
    reply = await factory.quick_reply(owner=bia, shortcut="segredo", text="Oi")
    number = await factory.number()
    conversation = await factory.conversation(number=number)
    await factory.commit()
    headers = factory.auth(other)
    url = f"/api/quick-replies/{reply.id}"

    responses = [
        await client.get(url, headers=headers),
        await client.patch(url, headers=headers, json={"text": "Roubado"}),
        await client.delete(url, headers=headers),
        await client.post(
            f"{url}/render", headers=headers, json={"conversation_id": str(conversation.id)}
        ),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert {r.json()["error"]["code"] for r in responses} == {"quick_reply_not_found"}
    assert await _shortcuts(client, headers) == []
    await session.refresh(reply)
    assert reply.text == "Oi"


async def test_agent_creates_a_reply_for_their_team(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    sales = await factory.team(name="Vendas")
    bia = await factory.user(name="Bia", teams=[sales])
    await factory.commit()

    response = await client.post(
        "/api/quick-replies",
        headers=factory.auth(bia),
        json={"shortcut": "horario", "text": "Seg a sex", "team_id": str(sales.id)},
    )

    assert response.status_code == 201
    assert response.json()["team"] == {"id": str(sales.id), "name": "Vendas"}
    assert response.json()["owner"] == {"id": str(bia.id), "name": "Bia"}
    assert response.json()["can_edit"] is True


async def test_agent_cannot_create_a_reply_for_another_team(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    sales = await factory.team()
    support = await factory.team()
    bia = await factory.user(teams=[sales])
    await factory.commit()

    response = await client.post(
        "/api/quick-replies",
        headers=factory.auth(bia),
        json={"shortcut": "horario", "text": "x", "team_id": str(support.id)},
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "quick_reply_forbidden"
    assert await session.scalar(select(func.count()).select_from(QuickReply)) == 0


async def test_supervisor_creates_a_reply_for_any_team(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    sales = await factory.team()
    boss = await factory.user(role=Role.SUPERVISOR)
    await factory.commit()

    response = await client.post(
        "/api/quick-replies",
        headers=factory.auth(boss),
        json={"shortcut": "horario", "text": "x", "team_id": str(sales.id)},
    )

    assert response.status_code == 201


async def test_team_member_who_did_not_write_it_cannot_change_it(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    sales = await factory.team()
    author = await factory.user(teams=[sales])
    colleague = await factory.user(teams=[sales])
    reply = await factory.quick_reply(owner=author, team=sales, text="Original")
    await factory.commit()
    headers = factory.auth(colleague)

    read = await client.get(f"/api/quick-replies/{reply.id}", headers=headers)
    patched = await client.patch(
        f"/api/quick-replies/{reply.id}", headers=headers, json={"text": "Mudado"}
    )
    deleted = await client.delete(f"/api/quick-replies/{reply.id}", headers=headers)

    assert read.status_code == 200
    assert read.json()["can_edit"] is False
    assert patched.status_code == deleted.status_code == 403
    assert patched.json()["error"]["code"] == "quick_reply_forbidden"
    await session.refresh(reply)
    assert reply.text == "Original"


async def test_author_edits_a_team_reply_while_a_member(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    sales = await factory.team()
    author = await factory.user(teams=[sales])
    reply = await factory.quick_reply(owner=author, team=sales, text="Original")
    await factory.commit()
    url = f"/api/quick-replies/{reply.id}"

    while_member = await client.patch(url, headers=factory.auth(author), json={"text": "v2"})
    await session.execute(delete(TeamMember).where(TeamMember.user_id == author.id))
    await factory.commit()
    after_leaving = await client.patch(url, headers=factory.auth(author), json={"text": "v3"})

    assert while_member.status_code == 200
    # Out of the team, the reply is no longer theirs to see.
    assert after_leaving.status_code == 404
    await session.refresh(reply)
    assert reply.text == "v2"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
async def test_staff_edit_and_delete_any_team_reply(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession, role: Role
) -> None:
    sales = await factory.team()
    author = await factory.user(teams=[sales])
    boss = await factory.user(role=role)
    reply = await factory.quick_reply(owner=author, team=sales, text="Original")
    await factory.commit()
    headers = factory.auth(boss)
    url = f"/api/quick-replies/{reply.id}"

    patched = await client.patch(url, headers=headers, json={"text": "Revisado"})
    deleted = await client.delete(url, headers=headers)

    assert patched.status_code == 200
    assert patched.json()["text"] == "Revisado"
    # The author stays the author.
    assert patched.json()["owner"]["id"] == str(author.id)
    assert deleted.status_code == 204
    assert await session.scalar(select(func.count()).select_from(QuickReply)) == 0
