"""The intake's Core-built conversation objects match the inbox's own (ORM) ones."""

from sqlalchemy import update

from atende.conversations import repository
from atende.core.db import Database
from atende.messages import ingest_events
from atende.messages.models import Direction, Message, MessageStatus
from atende.numbers.models import Number
from atende.teams.models import Team
from atende.users.models import Role
from tests.factories import Factory


async def test_event_conversations_match_the_inbox_reads(
    number: Number, team: Team, factory: Factory, db: Database
) -> None:
    agent = await factory.user(role=Role.AGENT, teams=[team], name="Ana Agent")
    contact = await factory.contact(wa_id="5511987650000", user_id="BR.77", name="Bia")
    full = await factory.conversation(number=number, contact=contact, team=team, assignee=agent)
    last = await factory.message(
        conversation=full,
        direction=Direction.OUTBOUND,
        status=MessageStatus.FAILED,
        sender=agent,
        text="sorry",
    )
    bare = await factory.conversation(number=number)
    await factory.session.execute(
        update(Message)
        .where(Message.id == last.id)
        .values(error_code=131047, error_title="Re-engagement", reactions={"5511": "👍"})
    )
    full.last_message_id = last.id
    full.unread_count = 3
    await factory.commit()

    async with db.session() as s:
        fast = await ingest_events.load_reads(s, [full.id, bare.id])
        reference = await repository.load_reads(s, [full.id, bare.id])

    assert fast == reference
    assert fast[full.id].assignee is not None
    assert fast[full.id].last_message is not None
    assert fast[full.id].last_message.sender is not None
    assert fast[bare.id].team is None
    assert fast[bare.id].last_message is None
