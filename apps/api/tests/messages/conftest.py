from dataclasses import dataclass

import pytest

from atende.contacts.models import Contact
from atende.conversations.models import Conversation
from atende.numbers.models import Number
from atende.teams.models import Team
from atende.users.models import Role, User
from tests.factories import Factory, ago


@dataclass
class Scene:
    team: Team
    agent: User
    outsider: User
    admin: User
    number: Number
    contact: Contact
    conversation: Conversation


@pytest.fixture
async def scene(factory: Factory) -> Scene:
    """A team conversation whose customer wrote an hour ago (the window is open)."""
    team = await factory.team(name="Vendas")
    other = await factory.team(name="Suporte")
    agent = await factory.user(role=Role.AGENT, teams=[team], name="Ana")
    outsider = await factory.user(role=Role.AGENT, teams=[other], name="Otto")
    admin = await factory.user(role=Role.ADMIN, name="Adm")
    number = await factory.number(
        phone_number_id="106540352242922", default_team=team, access_token="number-token"
    )
    contact = await factory.contact(wa_id="5511988887777", name="Dana")
    conversation = await factory.conversation(
        number=number, contact=contact, team=team, last_inbound_at=ago(hours=1)
    )
    await factory.commit()
    return Scene(team, agent, outsider, admin, number, contact, conversation)
