import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atende.contacts.models import Contact
from atende.core.types import utcnow
from atende.users.models import Role
from tests.factories import Factory


async def _agent(factory: Factory) -> dict[str, str]:
    agent = await factory.user(role=Role.AGENT)
    await factory.commit()
    return factory.auth(agent)


@pytest.mark.parametrize(
    ("phone", "wa_id"),
    [
        ("+55 11 98765-4321", "5511987654321"),
        ("+1 (555) 777.0100", "15557770100"),
        ("447700900123", "447700900123"),
    ],
)
async def test_agent_creates_contact_from_e164_phone(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession, phone: str, wa_id: str
) -> None:
    headers = await _agent(factory)

    response = await client.post(
        "/api/contacts", headers=headers, json={"phone": phone, "name": " Maria "}
    )

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Maria",
        "wa_id": wa_id,
        "user_id": None,
        "created_at": body["created_at"],
    }
    row = await session.get(Contact, uuid.UUID(body["id"]))
    assert row is not None and row.wa_id == wa_id


@pytest.mark.parametrize(
    "phone", ["abc", "+55 11", "1234567", "+1234567890123456", "55+11987654321", ""]
)
async def test_invalid_phone_is_422(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession, phone: str
) -> None:
    headers = await _agent(factory)
    response = await client.post("/api/contacts", headers=headers, json={"phone": phone})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert await session.scalar(select(func.count()).select_from(Contact)) == 0


async def test_existing_phone_is_409_with_the_contact_id(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _agent(factory)
    existing = await factory.contact(wa_id="5511987654321")
    await factory.commit()

    response = await client.post(
        "/api/contacts", headers=headers, json={"phone": "+55 (11) 98765-4321"}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "contact_exists"
    assert str(existing.id) in response.json()["error"]["message"]
    assert await session.scalar(select(func.count()).select_from(Contact)) == 1


async def test_get_and_rename_contact(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _agent(factory)
    contact = await factory.contact(name="Antigo", user_id="BR.13491208655302741918")
    await factory.commit()

    fetched = await client.get(f"/api/contacts/{contact.id}", headers=headers)
    renamed = await client.patch(
        f"/api/contacts/{contact.id}", headers=headers, json={"name": "João"}
    )
    untouched = await client.patch(f"/api/contacts/{contact.id}", headers=headers, json={})

    assert fetched.status_code == renamed.status_code == untouched.status_code == 200
    assert fetched.json()["user_id"] == "BR.13491208655302741918"
    assert renamed.json()["name"] == untouched.json()["name"] == "João"
    await session.refresh(contact)
    assert contact.name == "João"
    cleared = await client.patch(
        f"/api/contacts/{contact.id}", headers=headers, json={"name": None}
    )
    assert cleared.json()["name"] is None


async def test_unknown_contact_is_404(client: httpx.AsyncClient, factory: Factory) -> None:
    headers = await _agent(factory)
    response = await client.get(f"/api/contacts/{uuid.uuid4()}", headers=headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "contact_not_found"


async def test_list_contacts_newest_first_with_search(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    headers = await _agent(factory)
    base = utcnow() - timedelta(hours=1)
    names = ["Ana", "Bruno", "Carla", "Diego", "ÉRICA"]
    for minutes, name in enumerate(names):
        contact = await factory.contact(name=name, wa_id=f"55119000000{minutes:02d}")
        contact.created_at = base + timedelta(minutes=minutes)
    # Same instant: the id breaks the tie and no row is skipped or repeated.
    twin = await factory.contact(name="Gêmeo", wa_id="5521900000099")
    twin.created_at = base + timedelta(minutes=4)
    await factory.commit()

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = (await client.get("/api/contacts", headers=headers, params=params)).json()
        seen += [c["name"] for c in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen[:2]) == ["Gêmeo", "ÉRICA"]
    assert seen[2:] == ["Diego", "Carla", "Bruno", "Ana"]

    by_name = await client.get("/api/contacts", headers=headers, params={"q": "érica"})
    by_phone = await client.get("/api/contacts", headers=headers, params={"q": "+55 21 9"})
    assert [c["name"] for c in by_name.json()["items"]] == ["ÉRICA"]
    assert [c["name"] for c in by_phone.json()["items"]] == ["Gêmeo"]
