from dataclasses import dataclass
from typing import Any

import pytest

from atende.contacts.models import Contact
from atende.conversations.models import Conversation
from atende.numbers.models import Number
from atende.teams.models import Team
from atende.templates.models import ParameterFormat, Template
from atende.users.models import Role, User
from tests.factories import Factory, ago

WABA_ID = "880011223344556"
PHONE_NUMBER_ID = "106540352242922"
GRAPH = "https://graph.test/v25.0"
LIST_URL = f"{GRAPH}/{WABA_ID}/message_templates"
SEND_URL = f"{GRAPH}/{PHONE_NUMBER_ID}/messages"

# Meta's definitions, as the Graph API lists them.
ORDER_SHIPPED: list[dict[str, Any]] = [
    {"type": "HEADER", "format": "TEXT", "text": "Pedido {{1}}"},
    {
        "type": "BODY",
        "text": "Olá {{1}}, seu pedido {{2}} foi enviado.",
        "example": {"body_text": [["Maria", "#4412"]]},
    },
    {"type": "FOOTER", "text": "Loja Exemplo"},
    {
        "type": "BUTTONS",
        "buttons": [
            {"type": "QUICK_REPLY", "text": "Falar com atendente"},
            {"type": "URL", "text": "Rastrear", "url": "https://loja.example.com/r/{{1}}"},
        ],
    },
]
PROMO_IMAGE: list[dict[str, Any]] = [
    {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1h"]}},
    {"type": "BODY", "text": "Oi {{1}}! Novidades da semana."},
]
APPOINTMENT: list[dict[str, Any]] = [
    {"type": "BODY", "text": "Olá {{nome}}, seu horário é {{data}}."},
]
RESUME: list[dict[str, Any]] = [{"type": "BODY", "text": "Podemos continuar o atendimento?"}]


def graph_template(
    template_id: str,
    name: str,
    *,
    status: str = "APPROVED",
    language: str = "pt_BR",
    category: str = "UTILITY",
    components: list[dict[str, Any]] | None = None,
    parameter_format: str = "POSITIONAL",
) -> dict[str, Any]:
    return {
        "name": name,
        "parameter_format": parameter_format,
        "components": components if components is not None else RESUME,
        "language": language,
        "status": status,
        "category": category,
        "id": template_id,
    }


def graph_page(items: list[dict[str, Any]], *, after: str, last: bool) -> dict[str, Any]:
    """A page in Graph's cursor paging shape: `next` only while more pages follow."""
    paging: dict[str, Any] = {"cursors": {"before": "QVFIUmJ", "after": after}}
    if not last:
        paging["next"] = (
            f"https://graph.facebook.com/v25.0/{WABA_ID}/message_templates?after={after}"
        )
    return {"data": items, "paging": paging}


@dataclass
class Scene:
    team: Team
    agent: User
    outsider: User
    supervisor: User
    number: Number
    contact: Contact
    conversation: Conversation
    order_shipped: Template
    promo_image: Template
    appointment: Template
    resume: Template


@pytest.fixture
async def scene(factory: Factory) -> Scene:
    """A number of WABA_ID with four approved templates, and a team conversation whose
    customer wrote an hour ago."""
    team = await factory.team(name="Vendas")
    other = await factory.team(name="Suporte")
    agent = await factory.user(role=Role.AGENT, teams=[team], name="Ana")
    outsider = await factory.user(role=Role.AGENT, teams=[other], name="Otto")
    supervisor = await factory.user(role=Role.SUPERVISOR, name="Sara")
    number = await factory.number(
        phone_number_id=PHONE_NUMBER_ID, default_team=team, access_token="number-token"
    )
    number.waba_id = WABA_ID
    contact = await factory.contact(wa_id="5511988887777", name="Dana")
    conversation = await factory.conversation(
        number=number, contact=contact, team=team, last_inbound_at=ago(hours=1)
    )
    order = await factory.template(
        number=number, name="pedido_enviado", components=ORDER_SHIPPED, meta_id="1712345678901234"
    )
    promo = await factory.template(
        number=number, name="novidades", components=PROMO_IMAGE, category="marketing"
    )
    appointment = await factory.template(
        number=number,
        name="lembrete",
        components=APPOINTMENT,
        parameter_format=ParameterFormat.NAMED,
    )
    resume = await factory.template(number=number, name="retomar", components=RESUME)
    await factory.commit()
    return Scene(
        team,
        agent,
        outsider,
        supervisor,
        number,
        contact,
        conversation,
        order,
        promo,
        appointment,
        resume,
    )
