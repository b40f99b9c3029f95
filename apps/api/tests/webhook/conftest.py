import pytest

from atende.numbers.models import Number
from atende.teams.models import Team
from tests.factories import Factory
from tests.webhook.helpers import PHONE_NUMBER_ID


@pytest.fixture
async def team(factory: Factory) -> Team:
    return await factory.team(name="Support")


@pytest.fixture
async def number(factory: Factory, team: Team) -> Number:
    """The business number every payload fixture is addressed to, committed."""
    created = await factory.number(phone_number_id=PHONE_NUMBER_ID, default_team=team)
    await factory.commit()
    return created
