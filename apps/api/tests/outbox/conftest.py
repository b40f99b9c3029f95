import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest

from atende.contacts.models import Contact
from atende.conversations.models import Conversation
from atende.core.config import Settings
from atende.core.db import Database
from atende.core.types import new_id, utcnow
from atende.messages.models import Direction, Message, MessageStatus
from atende.messages.outbox import OutboxSender
from atende.numbers.models import Number
from atende.teams.models import Team
from atende.whatsapp.client import GraphClient
from atende.whatsapp.ratelimit import TokenBucket
from atende.whatsapp.schemas import text_message_body
from tests.factories import Factory, ago

PHONE_NUMBER_ID = "106540352242922"
GRAPH_URL = f"https://graph.test/v25.0/{PHONE_NUMBER_ID}/messages"


class FakeClock:
    """The sender's wall clock, moved by hand so backoff and leases need no real waiting."""

    def __init__(self) -> None:
        # A moment ahead of real time, so what tests queue now is already due.
        self.now = utcnow() + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def seconds(self) -> float:
        return self.now.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def outbox_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "send_backoff_base_seconds": 0.001,
            "send_backoff_cap_seconds": 0.01,
            "send_max_attempts": 5,
            "send_rate_per_second": 10_000.0,
            "simulator_base_url": "http://sim.test/simulator",
        }
    )


SenderFactory = Callable[..., OutboxSender]


@pytest.fixture
async def make_sender(
    db: Database, outbox_settings: Settings, clock: FakeClock
) -> AsyncIterator[SenderFactory]:
    made: list[tuple[OutboxSender, GraphClient]] = []

    def make(
        *,
        settings: Settings | None = None,
        graph: GraphClient | None = None,
        database: Database | None = None,
        use_clock: bool = True,
    ) -> OutboxSender:
        settings = settings or outbox_settings
        graph = graph or GraphClient.from_settings(settings)
        sender = OutboxSender(
            database or db,
            settings,
            graph=graph,
            # On the fake clock too, so a Retry-After block ends when the test moves it on.
            limiter=TokenBucket(clock=clock.seconds) if use_clock else TokenBucket(),
            secret=settings.resolved_jwt_secret(),
            **({"clock": clock} if use_clock else {}),
        )
        made.append((sender, graph))
        return sender

    yield make
    for sender, graph in made:
        await sender.aclose()
        await graph.aclose()


@dataclass
class Call:
    """One call to a fake Graph API: to which number, for which message, when, and how it
    was answered."""

    number: str
    message_id: str
    at: float
    outcome: str = ""
    answered: float = 0.0


@dataclass
class Thread:
    team: Team
    number: Number
    contact: Contact
    conversation: Conversation


@pytest.fixture
async def thread(factory: Factory) -> Thread:
    team = await factory.team(name="Vendas")
    number = await factory.number(
        phone_number_id=PHONE_NUMBER_ID, default_team=team, access_token="number-token"
    )
    contact = await factory.contact(wa_id="5511988887777", name="Dana")
    conversation = await factory.conversation(
        number=number, contact=contact, team=team, last_inbound_at=ago(minutes=5)
    )
    await factory.commit()
    return Thread(team, number, contact, conversation)


async def queue(
    factory: Factory,
    conversation: Conversation,
    contact: Contact,
    *,
    count: int = 1,
    due: datetime | None = None,
) -> list[Message]:
    """Queued outbound messages exactly as the send service writes them."""
    made = []
    for i in range(count):
        message_id = new_id()
        text = f"mensagem {i}"
        message = Message(
            id=message_id,
            conversation_id=conversation.id,
            direction=Direction.OUTBOUND,
            type="text",
            text=text,
            payload=text_message_body(
                wa_id=contact.wa_id,
                user_id=contact.user_id,
                text=text,
                callback_data=str(message_id),
            ),
            status=MessageStatus.QUEUED,
            attempts=0,
            # Due a while ago, so it is due for the fake clock whatever the test's pace.
            next_attempt_at=due or utcnow() - timedelta(minutes=10),
        )
        factory.session.add(message)
        made.append(message)
    await factory.session.flush()
    await factory.commit()
    return made


async def start_rate_limited(
    factory: Factory,
    thread: Thread,
    make_sender: SenderFactory,
    graph: Callable[[httpx.Request], httpx.Response],
    *,
    count: int,
) -> tuple[OutboxSender, list[Message]]:
    """`count` messages queued on a number that sends one a second, and a sender on them that
    has sent the first: the others wait for the limiter."""
    thread.number.send_rate_per_second = 1.0
    await factory.commit()
    messages = await queue(factory, thread.conversation, thread.contact, count=count)
    sender = make_sender(
        graph=GraphClient(
            base_url="https://graph.test", version="v25.0", transport=httpx.MockTransport(graph)
        ),
        use_clock=False,
    )
    sender.start()
    for _ in range(200):
        if sender.totals.sent:
            break
        await asyncio.sleep(0.01)
    return sender, messages


async def reload(db: Database, message: Message) -> Message:
    async with db.session() as s:
        found = await s.get(Message, message.id)
        assert found is not None
        return found
