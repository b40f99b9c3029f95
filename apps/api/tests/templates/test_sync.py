"""Template sync: Graph cursor paging, storage, permissions, and the periodic loop."""

import asyncio
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI
from sqlalchemy import select

from atende.core.config import Settings
from atende.core.db import Database
from atende.templates import sync
from atende.templates.models import Template
from atende.users.models import Role
from atende.whatsapp.client import GraphClient
from atende.whatsapp.exceptions import WhatsAppError
from tests.factories import Factory
from tests.templates.conftest import (
    APPOINTMENT,
    LIST_URL,
    ORDER_SHIPPED,
    PROMO_IMAGE,
    WABA_ID,
    Scene,
    graph_page,
    graph_template,
)

PAGE_ONE = graph_page(
    [
        graph_template("1712345678901234", "pedido_enviado", components=ORDER_SHIPPED),
        graph_template(
            "1712345678900002", "novidades", category="MARKETING", components=PROMO_IMAGE
        ),
    ],
    after="QVFIUkFBAA",
    last=False,
)
PAGE_TWO = graph_page(
    [
        graph_template(
            "1712345678900003", "lembrete", components=APPOINTMENT, parameter_format="NAMED"
        ),
        graph_template("1712345678900004", "oferta_antiga", status="REJECTED", language="en_US"),
    ],
    after="QVFIUkJCAA",
    last=True,
)


def two_pages(seen: list[httpx.Request]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        after = request.url.params.get("after")
        if after is None:
            return httpx.Response(200, json=PAGE_ONE)
        if after == "QVFIUkFBAA":
            return httpx.Response(200, json=PAGE_TWO)
        return httpx.Response(400, json={"error": {"code": 100, "message": "bad cursor"}})

    return handler


async def stored(db: Database, waba_id: str = WABA_ID) -> dict[tuple[str, str], Template]:
    async with db.session() as s:
        rows = await s.scalars(select(Template).where(Template.waba_id == waba_id))
        return {(t.name, t.language): t for t in rows}


@pytest.fixture
async def number_only(factory: Factory) -> Any:
    admin = await factory.user(role=Role.ADMIN, name="Adm")
    agent = await factory.user(role=Role.AGENT)
    number = await factory.number(phone_number_id="106540352242922", access_token="waba-token")
    number.waba_id = WABA_ID
    await factory.commit()
    return admin, agent, number


@respx.mock
async def test_sync_follows_the_cursor_and_stores_every_template(
    respx_mock: respx.MockRouter,
    client: httpx.AsyncClient,
    factory: Factory,
    number_only: Any,
    db: Database,
) -> None:
    admin, _, number = number_only
    seen: list[httpx.Request] = []
    respx_mock.get(LIST_URL).mock(side_effect=two_pages(seen))

    response = await client.post(
        f"/api/numbers/{number.id}/templates/sync", headers=factory.auth(admin)
    )

    assert response.status_code == 202
    assert response.json() == {
        "number_id": str(number.id),
        "waba_id": WABA_ID,
        "status": "accepted",
    }
    assert len(seen) == 2
    first, second = seen
    assert first.headers["authorization"] == "Bearer waba-token"
    assert "after" not in first.url.params
    assert first.url.params["fields"] == (
        "id,name,language,status,category,parameter_format,components"
    )
    # The second page is asked for by cursor on our base URL, not through `paging.next`.
    assert second.url.host == "graph.test"
    assert second.url.params["after"] == "QVFIUkFBAA"

    listed = await client.get(f"/api/numbers/{number.id}/templates", headers=factory.auth(admin))
    items = listed.json()["items"]
    assert [(t["name"], t["language"], t["status"]) for t in items] == [
        ("lembrete", "pt_BR", "approved"),
        ("novidades", "pt_BR", "approved"),
        ("oferta_antiga", "en_US", "rejected"),
        ("pedido_enviado", "pt_BR", "approved"),
    ]
    lembrete = items[0]
    assert lembrete["category"] == "utility"
    assert lembrete["parameter_format"] == "named"
    assert lembrete["components"] == APPOINTMENT
    rows = await stored(db)
    assert rows[("pedido_enviado", "pt_BR")].meta_id == "1712345678901234"


@respx.mock
async def test_status_filter_lists_only_approved_templates(
    respx_mock: respx.MockRouter, client: httpx.AsyncClient, factory: Factory, number_only: Any
) -> None:
    admin, agent, number = number_only
    respx_mock.get(LIST_URL).mock(side_effect=two_pages([]))
    await client.post(f"/api/numbers/{number.id}/templates/sync", headers=factory.auth(admin))

    # Every user may list (agents pick templates to send); only staff may sync.
    response = await client.get(
        f"/api/numbers/{number.id}/templates?status=approved", headers=factory.auth(agent)
    )

    assert response.status_code == 200
    names = [t["name"] for t in response.json()["items"]]
    assert names == ["lembrete", "novidades", "pedido_enviado"]
    assert set(response.json()["items"][0]) >= {
        "id",
        "name",
        "language",
        "category",
        "status",
        "components",
    }


@respx.mock
async def test_a_second_sync_updates_changed_templates_and_marks_vanished_ones_deleted(
    respx_mock: respx.MockRouter,
    client: httpx.AsyncClient,
    factory: Factory,
    number_only: Any,
    db: Database,
) -> None:
    admin, _, number = number_only
    route = respx_mock.get(LIST_URL).mock(side_effect=two_pages([]))
    await client.post(f"/api/numbers/{number.id}/templates/sync", headers=factory.auth(admin))
    first = await stored(db)

    paused = graph_template(
        "1712345678901234", "pedido_enviado", status="PAUSED", components=ORDER_SHIPPED
    )
    route.mock(
        return_value=httpx.Response(200, json=graph_page([paused], after="QVFIUkFBAA", last=True))
    )
    response = await client.post(
        f"/api/numbers/{number.id}/templates/sync", headers=factory.auth(admin)
    )

    assert response.status_code == 202
    after = await stored(db)
    assert len(after) == 4
    assert after[("pedido_enviado", "pt_BR")].id == first[("pedido_enviado", "pt_BR")].id
    assert after[("pedido_enviado", "pt_BR")].status == "paused"
    assert {k: t.status for k, t in after.items() if k[0] != "pedido_enviado"} == {
        ("novidades", "pt_BR"): "deleted",
        ("lembrete", "pt_BR"): "deleted",
        ("oferta_antiga", "en_US"): "deleted",
    }


@respx.mock
async def test_a_failed_listing_changes_nothing(
    respx_mock: respx.MockRouter,
    client: httpx.AsyncClient,
    factory: Factory,
    number_only: Any,
    db: Database,
) -> None:
    admin, _, number = number_only
    await factory.template(number=number, name="existente")
    await factory.commit()
    respx_mock.get(LIST_URL).mock(
        side_effect=[
            httpx.Response(200, json=PAGE_ONE),
            httpx.Response(
                500, json={"error": {"code": 131000, "message": "(#131000) Something went wrong"}}
            ),
        ]
    )

    response = await client.post(
        f"/api/numbers/{number.id}/templates/sync", headers=factory.auth(admin)
    )

    # Accepted (the listing runs after the response); its failure is only logged, and a
    # partial list never marks the templates of later pages deleted.
    assert response.status_code == 202
    assert {k: t.status for k, t in (await stored(db)).items()} == {
        ("existente", "pt_BR"): "approved"
    }


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
@respx.mock
async def test_staff_may_sync(
    respx_mock: respx.MockRouter,
    client: httpx.AsyncClient,
    factory: Factory,
    number_only: Any,
    role: Role,
) -> None:
    _, _, number = number_only
    respx_mock.get(LIST_URL).mock(side_effect=two_pages([]))
    user = await factory.user(role=role)
    await factory.commit()
    response = await client.post(
        f"/api/numbers/{number.id}/templates/sync", headers=factory.auth(user)
    )
    assert response.status_code == 202


@respx.mock(assert_all_called=False)
async def test_sync_refusals_call_no_graph(
    respx_mock: respx.MockRouter, client: httpx.AsyncClient, factory: Factory, number_only: Any
) -> None:
    admin, agent, number = number_only
    graph = respx_mock.route(host="graph.test")
    no_waba = await factory.number()
    no_waba.waba_id = None
    await factory.commit()
    url = f"/api/numbers/{number.id}/templates/sync"

    assert (await client.post(url)).status_code == 401
    forbidden = await client.post(url, headers=factory.auth(agent))
    assert forbidden.status_code == 403
    missing = await client.post(
        "/api/numbers/0190c4e2-0000-7000-8000-000000000000/templates/sync",
        headers=factory.auth(admin),
    )
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "number_not_found"
    unsynced = await client.post(
        f"/api/numbers/{no_waba.id}/templates/sync", headers=factory.auth(admin)
    )
    assert unsynced.status_code == 422
    assert unsynced.json()["error"]["code"] == "number_without_waba"
    assert not graph.called


async def test_listing_a_number_without_waba_is_empty(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    agent = await factory.user()
    number = await factory.number()
    number.waba_id = None
    await factory.commit()
    response = await client.get(f"/api/numbers/{number.id}/templates", headers=factory.auth(agent))
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


async def test_listing_pages_and_searches(
    client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    other_waba = await factory.template(waba_id="999", name="pedido_enviado")
    await factory.commit()
    url = f"/api/numbers/{scene.number.id}/templates"
    headers = factory.auth(scene.agent)

    first = (await client.get(f"{url}?limit=3", headers=headers)).json()
    second = (
        await client.get(f"{url}?limit=3&cursor={first['next_cursor']}", headers=headers)
    ).json()
    names = [t["name"] for t in first["items"] + second["items"]]
    assert names == ["lembrete", "novidades", "pedido_enviado", "retomar"]
    assert second["next_cursor"] is None
    assert str(other_waba.id) not in {t["id"] for t in first["items"] + second["items"]}

    found = (await client.get(f"{url}?q=PEDIDO", headers=headers)).json()["items"]
    assert [t["id"] for t in found] == [str(scene.order_shipped.id)]
    bad = await client.get(f"{url}?status=bogus", headers=headers)
    assert bad.status_code == 422


# ----------------------------------------------------------------- through the simulator


async def test_sync_through_the_simulator_follows_its_pages(
    app: FastAPI, client: httpx.AsyncClient, factory: Factory, settings: Settings, db: Database
) -> None:
    """A simulated number lists the simulator's templates (in pages of two), in process."""
    admin = await factory.user(role=Role.ADMIN)
    number = await factory.number(simulated=True)
    number.waba_id = None  # like the seeded simulated number
    await factory.commit()
    app.state.settings = settings.model_copy(
        update={"simulator_base_url": "http://testserver/simulator"}
    )
    app.state.graph = GraphClient(
        base_url="https://graph.test", version="v25.0", transport=httpx.ASGITransport(app=app)
    )

    response = await client.post(
        f"/api/numbers/{number.id}/templates/sync", headers=factory.auth(admin)
    )

    assert response.status_code == 202
    assert response.json()["waba_id"] == "simulated"
    rows = await stored(db, "simulated")
    assert sorted(rows) == [
        ("lembrete_agendamento", "pt_BR"),
        ("novidades_semana", "pt_BR"),
        ("order_update", "en_US"),
        ("pedido_enviado", "pt_BR"),
        ("retomar_atendimento", "pt_BR"),
    ]
    assert rows[("lembrete_agendamento", "pt_BR")].parameter_format == "named"
    assert rows[("novidades_semana", "pt_BR")].components[0]["format"] == "IMAGE"
    assert rows[("order_update", "en_US")].status == "rejected"
    await app.state.graph.aclose()


async def test_the_simulator_pages_with_graph_cursors(client: httpx.AsyncClient) -> None:
    url = "/simulator/v25.0/880011223344556/message_templates"
    auth = {"Authorization": "Bearer any"}
    assert (await client.get(url)).status_code == 401

    first = (await client.get(url, headers=auth)).json()
    assert len(first["data"]) == 2
    assert first["paging"]["next"].startswith("http://testserver" + url + "?")
    after = first["paging"]["cursors"]["after"]
    second = (await client.get(url, params={"after": after}, headers=auth)).json()
    assert [t["name"] for t in second["data"]] == ["lembrete_agendamento", "retomar_atendimento"]
    third = (
        await client.get(url, params={"after": second["paging"]["cursors"]["after"]}, headers=auth)
    ).json()
    assert [t["name"] for t in third["data"]] == ["order_update"]
    assert "next" not in third["paging"]
    bad = await client.get(url, params={"after": "!!"}, headers=auth)
    assert bad.status_code == 400


# ------------------------------------------------------------------------- periodic sync


@respx.mock
async def test_sync_all_lists_each_waba_once(
    respx_mock: respx.MockRouter, factory: Factory, settings: Settings, db: Database
) -> None:
    first = await factory.number(access_token="a")
    second = await factory.number(access_token="b")
    second.waba_id = first.waba_id
    inactive = await factory.number()
    inactive.is_active = False
    await factory.commit()
    shared = respx_mock.get(f"https://graph.test/v25.0/{first.waba_id}/message_templates").mock(
        return_value=httpx.Response(200, json={"data": [graph_template("1", "um")]})
    )
    graph = GraphClient.from_settings(settings)

    results = await sync.sync_all(
        db, graph, settings=settings, secret=settings.resolved_jwt_secret()
    )

    await graph.aclose()
    assert [(r.waba_id, r.listed) for r in results] == [(first.waba_id, 1)]
    assert shared.call_count == 1
    assert list(await stored(db, first.waba_id or "")) == [("um", "pt_BR")]


@respx.mock
async def test_the_loop_syncs_at_start_and_stops(
    respx_mock: respx.MockRouter, factory: Factory, settings: Settings, db: Database
) -> None:
    number = await factory.number()
    await factory.commit()
    route = respx_mock.get(f"https://graph.test/v25.0/{number.waba_id}/message_templates").mock(
        return_value=httpx.Response(200, json={"data": []})
    )
    graph = GraphClient.from_settings(settings)
    loop = sync.TemplateSyncLoop(
        db, settings, graph=graph, secret="s", interval=3600, first_delay=0
    )
    loop.start()
    for _ in range(200):
        if route.called:
            break
        await asyncio.sleep(0.01)
    await loop.stop()
    await graph.aclose()
    assert route.call_count == 1


async def test_a_listing_that_never_ends_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        after = request.url.params.get("after", "0")
        return httpx.Response(200, json=graph_page([], after=str(int(after) + 1), last=False))

    graph = GraphClient(
        base_url="https://graph.test", version="v25.0", transport=httpx.MockTransport(handler)
    )
    with pytest.raises(WhatsAppError, match="pages"):
        await graph.list_templates(WABA_ID, "token", max_pages=3)
    await graph.aclose()
