"""Realtime events for a webhook delivery, built after its writes, published after commit.

The conversation objects come from one Core query read through the inbox's own `to_read`
mapping: the ORM version of that query costs about a millisecond per conversation on this
path (entity loading of seven tables), the Core one a small fraction of it.
"""

import functools
import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from atende.contacts.models import Contact
from atende.conversations.models import Conversation
from atende.conversations.repository import to_read
from atende.conversations.schemas import ConversationRead
from atende.core import upsert
from atende.core.db import queue_event
from atende.messages.ingest import IngestResult, RowView
from atende.messages.models import Message
from atende.messages.repository import to_message_read
from atende.numbers.models import Number
from atende.realtime.events import (
    CONVERSATION_UPDATED,
    MESSAGE_NEW,
    MESSAGE_UPDATED,
    conversation_event,
)
from atende.teams.models import Team
from atende.users.models import User


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


_CONVERSATIONS = _table(Conversation)
# (alias, columns) in to_read's row order; the last message's raw payload is never shown.
_PARTS: list[tuple[Any, list[Any]]] = []
for _alias in (
    _CONVERSATIONS,
    _table(Contact).alias("contact"),
    _table(Number).alias("number"),
    _table(User).alias("assignee"),
    _table(Team).alias("team"),
    _table(Message).alias("last_message"),
    _table(User).alias("sender"),
):
    _PARTS.append((_alias, [c for c in _alias.c if c.key not in ("payload", "password_hash")]))
_CV, _CONTACT, _NUMBER, _ASSIGNEE, _TEAM, _LAST, _SENDER = (a for a, _ in _PARTS)


@functools.cache
def _reads_query(dialect: str) -> Any:
    columns = [c.label(f"c{i}") for i, c in enumerate(c for _, cols in _PARTS for c in cols)]
    joined = (
        _CV.join(_CONTACT, _CONTACT.c.id == _CV.c.contact_id)
        .join(_NUMBER, _NUMBER.c.id == _CV.c.number_id)
        .outerjoin(_ASSIGNEE, _ASSIGNEE.c.id == _CV.c.assignee_id)
        .outerjoin(_TEAM, _TEAM.c.id == _CV.c.team_id)
        .outerjoin(_LAST, _LAST.c.id == _CV.c.last_message_id)
        .outerjoin(_SENDER, _SENDER.c.id == _LAST.c.sender_id)
    )
    return select(*columns).select_from(joined).where(upsert.in_list(dialect, _CV.c.id, "b_ids"))


def _split(row: Sequence[Any]) -> list[RowView | None]:
    parts: list[RowView | None] = []
    start = 0
    for _, columns in _PARTS:
        values = row[start : start + len(columns)]
        start += len(columns)
        view = RowView(**{c.key: v for c, v in zip(columns, values, strict=True)})
        # An outer join that found nothing leaves the whole part NULL.
        parts.append(view if view.id is not None else None)
    return parts


async def load_reads(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ConversationRead]:
    if not ids:
        return {}
    stmt = _reads_query(upsert.dialect_name(session))
    result = await upsert.execute(session, stmt, {"b_ids": list(ids)})
    reads = (to_read(_split(row)) for row in result)
    return {read.id: read for read in reads}


async def queue_ingest_events(session: AsyncSession, result: IngestResult) -> None:
    """conversation:updated per opened conversation, message:new per new message and
    message:updated per reacted message, each with the conversation as it is now."""
    ids = result.conversation_ids
    if not ids:
        return
    reads = await load_reads(session, list(ids))
    dumped = {cid: read.model_dump(mode="json") for cid, read in reads.items()}

    def queue(name: str, conversation_id: uuid.UUID, extra: dict[str, Any]) -> None:
        read = reads.get(conversation_id)
        if read is None:
            return
        queue_event(
            session,
            conversation_event(
                name,
                {"conversation": dumped[conversation_id], **extra},
                team_id=read.team.id if read.team else None,
                assignee_id=read.assignee.id if read.assignee else None,
            ),
        )

    for conversation_id in result.opened:
        queue(CONVERSATION_UPDATED, conversation_id, {})
    for message in result.new_messages:
        payload = to_message_read(message).model_dump(mode="json")
        queue(MESSAGE_NEW, message.conversation_id, {"message": payload})
    for message in result.reacted:
        payload = to_message_read(message).model_dump(mode="json")
        queue(MESSAGE_UPDATED, message.conversation_id, {"message": payload})
