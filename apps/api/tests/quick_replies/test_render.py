"""Filling `{{contact.name}}`, `{{agent.name}}` and `{{number.label}}` for a conversation.

The rendering cases are shared with the web client's
(apps/web/src/features/quick-replies/utils/__tests__/render-quick-reply.test.ts)."""

import uuid

import httpx
import pytest

from atende.contacts.models import Contact
from atende.quick_replies.rendering import contact_display_name, render
from atende.users.models import Role
from tests.factories import Factory

VALUES = {"contact.name": "Maria", "agent.name": "Bia", "number.label": "Loja Centro"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Olá {{contact.name}}!", "Olá Maria!"),
        (
            "{{ contact.name }}, aqui é {{\tagent.name}} da {{number.label}}",
            "Maria, aqui é Bia da Loja Centro",
        ),
        ("{{contact.name}}{{contact.name}}", "MariaMaria"),
        ("Sem variáveis", "Sem variáveis"),
        (
            "{{contact.email}} {{ Contact.Name }} {{contact.name",
            "{{contact.email}} {{ Contact.Name }} {{contact.name",
        ),
        ("{contact.name} {{{contact.name}}}", "{contact.name} {Maria}"),
        ("{{\ncontact.name}}", "{{\ncontact.name}}"),
        ("{{toString}} {{constructor}}", "{{toString}} {{constructor}}"),
    ],
)
def test_render_fills_known_variables_and_keeps_the_rest(text: str, expected: str) -> None:
    assert render(text, VALUES) == expected


def test_render_never_expands_a_value() -> None:
    values = VALUES | {"contact.name": "{{agent.name}}"}

    assert render("Oi {{contact.name}}", values) == "Oi {{agent.name}}"


def test_render_keeps_a_variable_with_no_value() -> None:
    assert render("Oi {{contact.name}}", VALUES | {"contact.name": None}) == "Oi {{contact.name}}"


def test_contact_display_name_falls_back_to_the_phone() -> None:
    assert contact_display_name(Contact(name="  Maria ", wa_id="5511")) == "Maria"
    assert contact_display_name(Contact(name="  ", wa_id="5511")) == "5511"
    assert contact_display_name(Contact(name=None, wa_id=None, user_id="BR.1")) is None


async def test_render_endpoint_fills_the_conversation_values(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    bia = await factory.user(name="Bia Souza")
    number = await factory.number(label="Loja Centro")
    contact = await factory.contact(name="Maria")
    conversation = await factory.conversation(number=number, contact=contact)
    reply = await factory.quick_reply(
        owner=bia,
        text="Olá {{contact.name}}, sou {{agent.name}} da {{number.label}}. {{pedido.id}}",
    )
    await factory.commit()

    response = await client.post(
        f"/api/quick-replies/{reply.id}/render",
        headers=factory.auth(bia),
        json={"conversation_id": str(conversation.id)},
    )

    assert response.status_code == 200
    assert response.json() == {"text": "Olá Maria, sou Bia Souza da Loja Centro. {{pedido.id}}"}


async def test_render_uses_the_phone_when_the_contact_has_no_name(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    bia = await factory.user()
    number = await factory.number()
    contact = await factory.contact(wa_id="5511987654321")
    contact.name = None
    conversation = await factory.conversation(number=number, contact=contact)
    reply = await factory.quick_reply(owner=bia, text="Oi {{contact.name}}")
    await factory.commit()

    response = await client.post(
        f"/api/quick-replies/{reply.id}/render",
        headers=factory.auth(bia),
        json={"conversation_id": str(conversation.id)},
    )

    assert response.json() == {"text": "Oi 5511987654321"}


async def test_render_with_a_team_reply_uses_the_callers_name(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    sales = await factory.team()
    author = await factory.user(name="Autora", teams=[sales])
    caio = await factory.user(name="Caio", teams=[sales])
    number = await factory.number()
    conversation = await factory.conversation(number=number, team=sales)
    reply = await factory.quick_reply(owner=author, team=sales, text="Aqui é {{agent.name}}")
    await factory.commit()

    response = await client.post(
        f"/api/quick-replies/{reply.id}/render",
        headers=factory.auth(caio),
        json={"conversation_id": str(conversation.id)},
    )

    assert response.json() == {"text": "Aqui é Caio"}


async def test_render_for_a_conversation_the_caller_cannot_see_is_404(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    sales = await factory.team()
    support = await factory.team()
    bia = await factory.user(teams=[sales])
    number = await factory.number()
    hidden = await factory.conversation(number=number, team=support)
    reply = await factory.quick_reply(owner=bia)
    await factory.commit()
    url = f"/api/quick-replies/{reply.id}/render"
    headers = factory.auth(bia)

    not_visible = await client.post(url, headers=headers, json={"conversation_id": str(hidden.id)})
    missing = await client.post(url, headers=headers, json={"conversation_id": str(uuid.uuid4())})

    assert not_visible.status_code == missing.status_code == 404
    assert not_visible.json()["error"]["code"] == "conversation_not_found"
    assert missing.json()["error"]["code"] == "conversation_not_found"


async def test_supervisor_renders_for_any_conversation(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    support = await factory.team()
    boss = await factory.user(role=Role.SUPERVISOR, name="Chefe")
    number = await factory.number()
    conversation = await factory.conversation(number=number, team=support)
    reply = await factory.quick_reply(owner=boss, text="{{agent.name}}")
    await factory.commit()

    response = await client.post(
        f"/api/quick-replies/{reply.id}/render",
        headers=factory.auth(boss),
        json={"conversation_id": str(conversation.id)},
    )

    assert response.json() == {"text": "Chefe"}
