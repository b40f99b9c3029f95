"""Sending templates: the window, the checks before any Graph call, starting conversations,
and the exact Graph body the outbox posts."""

import uuid
from typing import Any

import httpx
import orjson
import pytest
import respx
from sqlalchemy import func, select

from atende.contacts.models import Contact
from atende.conversations.models import Conversation
from atende.core.config import Settings
from atende.core.db import Database, Event
from atende.messages.models import Message
from atende.messages.outbox import OutboxSender
from atende.templates.models import TemplateStatus
from atende.whatsapp.client import GraphClient
from atende.whatsapp.ratelimit import TokenBucket
from tests.factories import Factory, ago
from tests.templates.conftest import SEND_URL, Scene

ORDER_BODY: dict[str, Any] = {
    "type": "template",
    "template": {
        "name": "pedido_enviado",
        "language": {"code": "pt_BR"},
        "components": [
            {"type": "header", "parameters": [{"type": "text", "text": "#4412"}]},
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Dana"},
                    {"type": "text", "text": "#4412"},
                ],
            },
            {
                "type": "button",
                "sub_type": "url",
                "index": "1",
                "parameters": [{"type": "text", "text": "4412"}],
            },
        ],
    },
}


def url(scene: Scene) -> str:
    return f"/api/conversations/{scene.conversation.id}/messages"


def with_template(**template: Any) -> dict[str, Any]:
    return {"type": "template", "template": template}


async def load(db: Database, message_id: str) -> Message:
    async with db.session() as s:
        message = await s.get(Message, uuid.UUID(message_id))
        assert message is not None
        return message


async def counts(db: Database) -> tuple[int, int, int]:
    async with db.session() as s:
        return (
            int(await s.scalar(select(func.count()).select_from(Contact)) or 0),
            int(await s.scalar(select(func.count()).select_from(Conversation)) or 0),
            int(await s.scalar(select(func.count()).select_from(Message)) or 0),
        )


async def close_window(db: Database, scene: Scene) -> None:
    async with db.session() as s:
        conversation = await s.get(Conversation, scene.conversation.id)
        assert conversation is not None
        conversation.last_inbound_at = ago(hours=30)
        await s.commit()


async def test_a_template_is_queued_with_metas_body(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database, events: list[Event]
) -> None:
    response = await client.post(url(scene), json=ORDER_BODY, headers=factory.auth(scene.agent))

    assert response.status_code == 202
    body = response.json()
    assert body["type"] == "template"
    assert body["status"] == "queued"
    # The inbox shows what the customer reads: the body with its placeholders filled.
    assert body["text"] == "Olá Dana, seu pedido #4412 foi enviado."
    assert body["sender"] == {"id": str(scene.agent.id), "name": "Ana"}
    message = await load(db, body["id"])
    assert message.payload == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+5511988887777",
        "type": "template",
        "template": ORDER_BODY["template"],
        "biz_opaque_callback_data": body["id"],
    }
    assert message.is_automated is False
    (event,) = [e for e in events if e.name == "message:new"]
    assert event.payload["message"]["id"] == body["id"]
    assert event.payload["conversation"]["last_message"]["id"] == body["id"]


async def test_a_template_counts_as_the_first_response(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database
) -> None:
    response = await client.post(url(scene), json=ORDER_BODY, headers=factory.auth(scene.agent))
    async with db.session() as s:
        conversation = await s.get(Conversation, scene.conversation.id)
        assert conversation is not None
        assert conversation.first_response_at == (await load(db, response.json()["id"])).timestamp


@respx.mock(assert_all_called=False)
async def test_a_template_is_allowed_outside_the_window(
    respx_mock: respx.MockRouter,
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
) -> None:
    graph = respx_mock.route(host="graph.test")
    await close_window(db, scene)

    text = await client.post(url(scene), json={"text": "oi"}, headers=factory.auth(scene.agent))
    template = await client.post(
        url(scene),
        json=with_template(name="retomar", language={"code": "pt_BR"}),
        headers=factory.auth(scene.agent),
    )

    assert text.status_code == 422
    assert text.json()["error"]["code"] == "outside_customer_service_window"
    assert template.status_code == 202
    assert template.json()["text"] == "Podemos continuar o atendimento?"
    message = await load(db, template.json()["id"])
    # No components to fill: none are sent.
    assert message.payload is not None
    assert message.payload["template"] == {"name": "retomar", "language": {"code": "pt_BR"}}
    assert not graph.called


async def test_named_parameters_fill_by_name(
    client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    body = with_template(
        name="lembrete",
        language={"code": "pt_BR"},
        components=[
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "parameter_name": "data", "text": "12/03 às 14h"},
                    {"type": "text", "parameter_name": "nome", "text": "Dana"},
                ],
            }
        ],
    )
    response = await client.post(url(scene), json=body, headers=factory.auth(scene.agent))
    assert response.status_code == 202
    assert response.json()["text"] == "Olá Dana, seu horário é 12/03 às 14h."


async def test_an_image_header_takes_a_link(
    client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    body = with_template(
        name="novidades",
        language={"code": "pt_BR"},
        components=[
            {
                "type": "header",
                "parameters": [
                    {"type": "image", "image": {"link": "https://cdn.example.com/p.jpg"}}
                ],
            },
            {"type": "body", "parameters": [{"type": "text", "text": "Dana"}]},
        ],
    )
    response = await client.post(url(scene), json=body, headers=factory.auth(scene.agent))
    assert response.status_code == 202
    assert response.json()["text"] == "Oi Dana! Novidades da semana."


# ---------------------------------------------------------------- refused before any call


def order_with(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads(orjson.dumps(ORDER_BODY))
    components = body["template"]["components"]
    for kind, parameters in changes.items():
        found = [c for c in components if c["type"] == kind]
        if parameters is None:
            components.remove(found[0])
        else:
            found[0]["parameters"] = parameters
    return body


MISMATCHES = {
    "one_body_parameter_missing": order_with(body=[{"type": "text", "text": "Dana"}]),
    "one_body_parameter_too_many": order_with(
        body=[{"type": "text", "text": t} for t in ("Dana", "#1", "extra")]
    ),
    "body_missing": order_with(body=None),
    "header_missing": order_with(header=None),
    "url_button_missing": order_with(button=None),
    "image_for_text_header": order_with(
        header=[{"type": "image", "image": {"link": "https://cdn.example.com/h.png"}}]
    ),
    "named_parameter_in_positional": order_with(
        body=[
            {"type": "text", "parameter_name": "nome", "text": "Dana"},
            {"type": "text", "text": "#4412"},
        ]
    ),
    "new_line_in_text": order_with(
        body=[{"type": "text", "text": "Dana\nSilva"}, {"type": "text", "text": "#4412"}]
    ),
    "empty_text": order_with(
        body=[{"type": "text", "text": "  "}, {"type": "text", "text": "#4412"}]
    ),
    "wrong_named_parameter": with_template(
        name="lembrete",
        language={"code": "pt_BR"},
        components=[
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "parameter_name": "nome", "text": "Dana"},
                    {"type": "text", "parameter_name": "dia", "text": "12/03"},
                ],
            }
        ],
    ),
    "unnamed_parameter_in_named": with_template(
        name="lembrete",
        language={"code": "pt_BR"},
        components=[
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Dana"},
                    {"type": "text", "text": "12/03"},
                ],
            }
        ],
    ),
    "video_for_image_header": with_template(
        name="novidades",
        language={"code": "pt_BR"},
        components=[
            {
                "type": "header",
                "parameters": [{"type": "video", "video": {"id": "1598203344550001"}}],
            },
            {"type": "body", "parameters": [{"type": "text", "text": "Dana"}]},
        ],
    ),
    "image_header_missing": with_template(
        name="novidades",
        language={"code": "pt_BR"},
        components=[{"type": "body", "parameters": [{"type": "text", "text": "Dana"}]}],
    ),
    "parameters_for_a_template_without_any": with_template(
        name="retomar",
        language={"code": "pt_BR"},
        components=[{"type": "body", "parameters": [{"type": "text", "text": "Dana"}]}],
    ),
    "button_that_does_not_exist": with_template(
        name="retomar",
        language={"code": "pt_BR"},
        components=[
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": "0",
                "parameters": [{"type": "payload", "payload": "X"}],
            }
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(MISMATCHES))
@respx.mock(assert_all_called=False)
async def test_parameters_that_do_not_fit_are_refused(
    respx_mock: respx.MockRouter,
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    case: str,
) -> None:
    graph = respx_mock.route(host="graph.test")
    before = await counts(db)
    response = await client.post(
        url(scene), json=MISMATCHES[case], headers=factory.auth(scene.agent)
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "template_parameters_mismatch"
    assert await counts(db) == before
    assert not graph.called


@pytest.mark.parametrize("case", ["unknown", "other_language", "paused", "other_waba"])
@respx.mock(assert_all_called=False)
async def test_templates_not_approved_for_the_number_are_refused(
    respx_mock: respx.MockRouter,
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    case: str,
) -> None:
    graph = respx_mock.route(host="graph.test")
    name, language = "retomar", "pt_BR"
    if case == "unknown":
        name = "nao_existe"
    elif case == "other_language":
        language = "en_US"
    elif case == "paused":
        await factory.template(number=scene.number, name="pausado", status=TemplateStatus.PAUSED)
        name = "pausado"
    else:
        await factory.template(waba_id="999", name="de_outra_waba", body="Oi")
        name = "de_outra_waba"
    await factory.commit()
    before = await counts(db)

    response = await client.post(
        url(scene),
        json=with_template(name=name, language={"code": language}),
        headers=factory.auth(scene.agent),
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "template_not_approved"
    assert await counts(db) == before
    assert not graph.called


@pytest.mark.parametrize(
    "template",
    [
        {"name": "Retomar", "language": {"code": "pt_BR"}},
        {"name": "retomar", "language": {}},
        {"name": "retomar", "language": {"code": "pt_BR"}, "extra": 1},
        {
            "name": "retomar",
            "language": {"code": "pt_BR"},
            "components": [{"type": "footer", "parameters": []}],
        },
        {
            "name": "retomar",
            "language": {"code": "pt_BR"},
            "components": [{"type": "button", "parameters": []}],
        },
        {
            "name": "retomar",
            "language": {"code": "pt_BR"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "image": {"id": "1"}}]}
            ],
        },
        {
            "name": "retomar",
            "language": {"code": "pt_BR"},
            "components": [
                {
                    "type": "header",
                    "parameters": [{"type": "image", "image": {"id": "1", "link": "https://x"}}],
                }
            ],
        },
    ],
)
async def test_malformed_template_objects_are_invalid_input(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, template: dict[str, Any]
) -> None:
    response = await client.post(
        url(scene),
        json={"type": "template", "template": template},
        headers=factory.auth(scene.agent),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


async def test_an_agent_outside_the_team_gets_404(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database
) -> None:
    response = await client.post(url(scene), json=ORDER_BODY, headers=factory.auth(scene.outsider))
    assert response.status_code == 404
    assert (await counts(db))[2] == 0


# ------------------------------------------------------------- starting a conversation


async def test_a_template_to_a_new_phone_starts_a_conversation(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database
) -> None:
    response = await client.post(
        "/api/messages",
        json={
            "phone": "+55 21 99876-5432",
            "number_id": str(scene.number.id),
            **with_template(name="retomar", language={"code": "pt_BR"}),
        },
        headers=factory.auth(scene.agent),
    )

    assert response.status_code == 202
    message = await load(db, response.json()["id"])
    assert message.payload is not None
    assert message.payload["to"] == "+5521998765432"
    async with db.session() as s:
        contact = await s.scalar(select(Contact).where(Contact.wa_id == "5521998765432"))
        assert contact is not None
        conversation = await s.get(Conversation, message.conversation_id)
        assert conversation is not None
        assert conversation.contact_id == contact.id
        assert conversation.number_id == scene.number.id
        assert conversation.team_id == scene.team.id
        # The agent who starts it owns it.
        assert conversation.assignee_id == scene.agent.id
        # Opening a conversation is not a response: the answer to the customer's reply is.
        assert conversation.first_response_at is None


async def test_a_template_to_a_known_phone_reuses_the_contact_and_conversation(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database
) -> None:
    before = await counts(db)
    response = await client.post(
        "/api/messages",
        json={
            "phone": "+5511988887777",
            "number_id": str(scene.number.id),
            **ORDER_BODY,
        },
        headers=factory.auth(scene.agent),
    )
    assert response.status_code == 202
    assert response.json()["conversation_id"] == str(scene.conversation.id)
    assert await counts(db) == (before[0], before[1], before[2] + 1)


async def test_a_template_to_a_contact_id_outside_the_window(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, db: Database
) -> None:
    contact = await factory.contact(name="Quieto")
    old = await factory.conversation(number=scene.number, contact=contact, team=scene.team)
    old.status = "resolved"
    old.last_inbound_at = ago(days=3)
    await factory.commit()

    response = await client.post(
        "/api/messages",
        json={
            "contact_id": str(contact.id),
            "number_id": str(scene.number.id),
            **with_template(name="retomar", language={"code": "pt_BR"}),
        },
        headers=factory.auth(scene.agent),
    )

    assert response.status_code == 202
    assert response.json()["conversation_id"] != str(old.id)


@pytest.mark.parametrize(
    "recipient",
    [{}, {"contact_id": "0190c4e2-0000-7000-8000-000000000000", "phone": "+5511988887777"}],
)
async def test_a_template_needs_exactly_one_recipient(
    client: httpx.AsyncClient, factory: Factory, scene: Scene, recipient: dict[str, str]
) -> None:
    response = await client.post(
        "/api/messages",
        json={"number_id": str(scene.number.id), **recipient, **ORDER_BODY},
        headers=factory.auth(scene.agent),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


@respx.mock(assert_all_called=False)
async def test_a_refused_template_to_a_phone_creates_nothing(
    respx_mock: respx.MockRouter,
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
) -> None:
    graph = respx_mock.route(host="graph.test")
    before = await counts(db)
    response = await client.post(
        "/api/messages",
        json={
            "phone": "+55 21 99876-5432",
            "number_id": str(scene.number.id),
            **with_template(name="nao_existe", language={"code": "pt_BR"}),
        },
        headers=factory.auth(scene.agent),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "template_not_approved"
    assert await counts(db) == before
    assert not graph.called


async def test_text_to_a_phone_is_not_accepted(
    client: httpx.AsyncClient, factory: Factory, scene: Scene
) -> None:
    response = await client.post(
        "/api/messages",
        json={"phone": "+5511988887777", "number_id": str(scene.number.id), "text": "oi"},
        headers=factory.auth(scene.agent),
    )
    assert response.status_code == 422


# ------------------------------------------------------------------------------ outbox


@respx.mock
async def test_the_outbox_posts_the_template_body_verbatim(
    respx_mock: respx.MockRouter,
    client: httpx.AsyncClient,
    factory: Factory,
    scene: Scene,
    db: Database,
    settings: Settings,
) -> None:
    route = respx_mock.post(SEND_URL).mock(
        return_value=httpx.Response(
            200,
            json={
                "messaging_product": "whatsapp",
                "contacts": [{"input": "+5511988887777", "wa_id": "5511988887777"}],
                "messages": [{"id": "wamid.TPL", "message_status": "accepted"}],
            },
        )
    )
    queued = await client.post(url(scene), json=ORDER_BODY, headers=factory.auth(scene.agent))
    graph = GraphClient.from_settings(settings)
    sender = OutboxSender(
        db, settings, graph=graph, limiter=TokenBucket(), secret=settings.resolved_jwt_secret()
    )

    stats = await sender.run_once()

    await graph.aclose()
    assert stats.sent == 1
    (call,) = route.calls
    assert call.request.headers["authorization"] == "Bearer number-token"
    assert orjson.loads(call.request.content) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+5511988887777",
        "type": "template",
        "template": {
            "name": "pedido_enviado",
            "language": {"code": "pt_BR"},
            "components": [
                {"type": "header", "parameters": [{"type": "text", "text": "#4412"}]},
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Dana"},
                        {"type": "text", "text": "#4412"},
                    ],
                },
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "1",
                    "parameters": [{"type": "text", "text": "4412"}],
                },
            ],
        },
        "biz_opaque_callback_data": queued.json()["id"],
    }
    message = await load(db, queued.json()["id"])
    assert message.status == "sent"
    assert message.wamid == "wamid.TPL"


async def test_the_simulator_accepts_its_approved_templates_only(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/simulator/_control", json={"reset": True, "webhooks": False})
    send = "/simulator/v25.0/106540352242922/messages"
    auth = {"Authorization": "Bearer any"}
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+5511988887777",
        "type": "template",
        "template": {"name": "retomar_atendimento", "language": {"code": "pt_BR"}},
    }
    accepted = await client.post(send, json=body, headers=auth)
    assert accepted.status_code == 200
    assert accepted.json()["messages"][0]["id"].startswith("wamid.")

    body["template"] = {"name": "order_update", "language": {"code": "en_US"}}
    rejected = await client.post(send, json=body, headers=auth)
    assert rejected.status_code == 400
    assert rejected.json()["error"]["code"] == 132001
