"""Quick replies over HTTP: create, list, search, update, delete, validation, uniqueness."""

import uuid

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atende.quick_replies.models import QuickReply
from atende.teams.models import Team
from atende.users.models import Role
from tests.factories import Factory


async def _count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(QuickReply)) or 0


async def test_list_requires_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/quick-replies")

    assert response.status_code == 401


async def test_create_personal_reply(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    bia = await factory.user(name="Bia")
    await factory.commit()

    response = await client.post(
        "/api/quick-replies",
        headers=factory.auth(bia),
        json={"shortcut": "  Bom-Dia ", "text": "Bom dia, {{contact.name}}!\nComo posso ajudar?"},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["shortcut"] == "bom-dia"
    assert body["text"] == "Bom dia, {{contact.name}}!\nComo posso ajudar?"
    assert body["team"] is None
    assert body["owner"] == {"id": str(bia.id), "name": "Bia"}
    assert body["can_edit"] is True
    assert body["created_at"] and body["updated_at"]
    row = await session.get(QuickReply, uuid.UUID(body["id"]))
    assert row is not None and row.owner_id == bia.id and row.team_id is None


@pytest.mark.parametrize(
    "payload",
    [
        {"shortcut": "bom dia", "text": "x"},
        {"shortcut": "ção", "text": "x"},
        {"shortcut": "", "text": "x"},
        {"shortcut": "a" * 33, "text": "x"},
        {"shortcut": "/oi", "text": "x"},
        {"shortcut": "oi", "text": "   \n "},
        {"shortcut": "oi", "text": ""},
        {"shortcut": "oi", "text": "x" * 4097},
        {"shortcut": "oi"},
    ],
)
async def test_create_rejects_invalid_input(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession, payload: dict[str, str]
) -> None:
    bia = await factory.user()
    await factory.commit()

    response = await client.post("/api/quick-replies", headers=factory.auth(bia), json=payload)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert await _count(session) == 0


async def test_create_accepts_the_longest_text(client: httpx.AsyncClient, factory: Factory) -> None:
    bia = await factory.user()
    await factory.commit()

    response = await client.post(
        "/api/quick-replies",
        headers=factory.auth(bia),
        json={"shortcut": "a" * 32, "text": "x" * 4096},
    )

    assert response.status_code == 201


async def test_create_for_an_unknown_team_is_422(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    admin = await factory.user(role=Role.ADMIN)
    await factory.commit()

    response = await client.post(
        "/api/quick-replies",
        headers=factory.auth(admin),
        json={"shortcut": "oi", "text": "Oi", "team_id": str(uuid.uuid4())},
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_team"
    assert await _count(session) == 0


async def test_personal_shortcut_is_unique_per_owner(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    bia = await factory.user()
    caio = await factory.user()
    await factory.quick_reply(owner=bia, shortcut="oi")
    await factory.commit()

    taken = await client.post(
        "/api/quick-replies", headers=factory.auth(bia), json={"shortcut": "OI", "text": "Oi"}
    )
    other_owner = await client.post(
        "/api/quick-replies", headers=factory.auth(caio), json={"shortcut": "oi", "text": "Oi"}
    )

    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "quick_reply_shortcut_taken"
    assert other_owner.status_code == 201
    assert await _count(session) == 2


async def test_team_shortcut_is_unique_per_team_and_apart_from_personal_ones(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    sales = await factory.team()
    support = await factory.team()
    bia = await factory.user(teams=[sales, support])
    await factory.quick_reply(owner=bia, shortcut="preco")
    await factory.quick_reply(owner=bia, team=sales, shortcut="horario")
    await factory.commit()
    headers = factory.auth(bia)

    same_team = await client.post(
        "/api/quick-replies",
        headers=headers,
        json={"shortcut": "horario", "text": "x", "team_id": str(sales.id)},
    )
    other_team = await client.post(
        "/api/quick-replies",
        headers=headers,
        json={"shortcut": "horario", "text": "x", "team_id": str(support.id)},
    )
    team_over_personal = await client.post(
        "/api/quick-replies",
        headers=headers,
        json={"shortcut": "preco", "text": "x", "team_id": str(sales.id)},
    )

    assert same_team.status_code == 409
    assert same_team.json()["error"]["code"] == "quick_reply_shortcut_taken"
    assert other_team.status_code == team_over_personal.status_code == 201
    assert await _count(session) == 4


@pytest.mark.parametrize("scope", ["personal", "team"])
async def test_database_enforces_shortcut_uniqueness_per_scope(
    factory: Factory, session: AsyncSession, scope: str
) -> None:
    team = await factory.team()
    bia = await factory.user(teams=[team])
    caio = await factory.user(teams=[team])
    await factory.quick_reply(owner=bia, shortcut="oi")
    await factory.quick_reply(owner=bia, team=team, shortcut="oi")
    # Another owner may reuse a personal shortcut.
    await factory.quick_reply(owner=caio, shortcut="oi")
    await factory.commit()

    # Written straight to the table: only the partial unique indexes can refuse these.
    duplicate = (
        QuickReply(shortcut="oi", text="x", team_id=None, owner_id=bia.id)
        if scope == "personal"
        else QuickReply(shortcut="oi", text="x", team_id=team.id, owner_id=caio.id)
    )
    session.add(duplicate)
    with pytest.raises(IntegrityError):
        await session.flush()
    await session.rollback()


async def test_update_shortcut_and_text(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    bia = await factory.user()
    reply = await factory.quick_reply(owner=bia, shortcut="oi", text="Oi")
    await factory.commit()
    before = reply.updated_at

    response = await client.patch(
        f"/api/quick-replies/{reply.id}",
        headers=factory.auth(bia),
        json={"shortcut": "ola", "text": "Olá, {{contact.name}}"},
    )

    assert response.status_code == 200
    assert response.json()["shortcut"] == "ola"
    assert response.json()["text"] == "Olá, {{contact.name}}"
    await session.refresh(reply)
    assert (reply.shortcut, reply.text) == ("ola", "Olá, {{contact.name}}")
    assert reply.updated_at >= before


async def test_update_to_a_taken_shortcut_is_409(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    bia = await factory.user()
    await factory.quick_reply(owner=bia, shortcut="oi")
    reply = await factory.quick_reply(owner=bia, shortcut="ola")
    await factory.commit()
    headers = factory.auth(bia)

    taken = await client.patch(
        f"/api/quick-replies/{reply.id}", headers=headers, json={"shortcut": "oi"}
    )
    unchanged = await client.patch(
        f"/api/quick-replies/{reply.id}", headers=headers, json={"shortcut": "ola"}
    )

    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "quick_reply_shortcut_taken"
    assert unchanged.status_code == 200
    await session.refresh(reply)
    assert reply.shortcut == "ola"


async def test_delete_reply(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    bia = await factory.user()
    reply = await factory.quick_reply(owner=bia)
    await factory.commit()

    response = await client.delete(f"/api/quick-replies/{reply.id}", headers=factory.auth(bia))
    again = await client.delete(f"/api/quick-replies/{reply.id}", headers=factory.auth(bia))

    assert response.status_code == 204
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "quick_reply_not_found"
    assert await _count(session) == 0


async def test_deleting_a_team_deletes_its_replies(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    admin = await factory.user(role=Role.ADMIN)
    team = await factory.team()
    await factory.quick_reply(owner=admin, team=team)
    personal = await factory.quick_reply(owner=admin)
    await factory.commit()

    response = await client.delete(f"/api/teams/{team.id}", headers=factory.auth(admin))

    assert response.status_code == 204
    assert await session.scalar(select(Team.id).where(Team.id == team.id)) is None
    ids = (await session.scalars(select(QuickReply.id))).all()
    assert ids == [personal.id]


async def test_search_matches_shortcut_or_text_case_insensitively(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    bia = await factory.user()
    await factory.quick_reply(owner=bia, shortcut="preco", text="Nossos valores")
    await factory.quick_reply(owner=bia, shortcut="entrega", text="Prazo de ENTREGA: 3 dias")
    await factory.quick_reply(owner=bia, shortcut="endereco", text="Rua São João, 100")
    await factory.quick_reply(owner=bia, shortcut="tchau", text="Até logo")
    await factory.commit()
    headers = factory.auth(bia)

    async def search(q: str) -> list[str]:
        response = await client.get("/api/quick-replies", headers=headers, params={"q": q})
        assert response.status_code == 200
        return [item["shortcut"] for item in response.json()["items"]]

    assert await search("ENTREG") == ["entrega"]
    assert await search("PRAZO") == ["entrega"]
    assert await search("SÃO JOÃO") == ["endereco"]
    assert await search("/pre") == ["preco"]
    assert await search("e") == ["endereco", "entrega", "preco"]
    assert await search("  ") == ["endereco", "entrega", "preco", "tchau"]


async def test_search_escapes_like_wildcards(client: httpx.AsyncClient, factory: Factory) -> None:
    bia = await factory.user()
    await factory.quick_reply(owner=bia, shortcut="desconto", text="10% de desconto")
    await factory.quick_reply(owner=bia, shortcut="cupom", text="Use o cupom 10 OFF")
    await factory.quick_reply(owner=bia, shortcut="a_b", text="sublinhado")
    await factory.quick_reply(owner=bia, shortcut="axb", text="outro")
    await factory.commit()
    headers = factory.auth(bia)

    percent = await client.get("/api/quick-replies", headers=headers, params={"q": "10%"})
    underscore = await client.get("/api/quick-replies", headers=headers, params={"q": "a_b"})

    assert [i["shortcut"] for i in percent.json()["items"]] == ["desconto"]
    assert [i["shortcut"] for i in underscore.json()["items"]] == ["a_b"]


async def test_list_is_paginated_by_shortcut(client: httpx.AsyncClient, factory: Factory) -> None:
    bia = await factory.user()
    for shortcut in ("c", "a", "e", "b", "d"):
        await factory.quick_reply(owner=bia, shortcut=shortcut)
    await factory.commit()
    headers = factory.auth(bia)

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/api/quick-replies", headers=headers, params=params)
        assert response.status_code == 200
        body = response.json()
        seen += [item["shortcut"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert seen == ["a", "b", "c", "d", "e"]
    assert pages == 3
