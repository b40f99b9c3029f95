"""Storing inbound messages: one set-based pass per webhook envelope (the hottest path).

Round trips per envelope, whatever its size: contacts with their open conversations (one
query), new contacts and conversations only when there are some, one insert of all messages
(`ON CONFLICT (wamid) DO NOTHING RETURNING id`, so a redelivered or racing wamid is stored
once and announced once), and one batched update of the touched conversations.
"""

import functools
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from atende.contacts.ingest import (
    CONTACTS,
    ContactIndex,
    ContactRow,
    change_wa_id,
    upsert_contacts,
)
from atende.conversations.ingest import (
    CONVERSATIONS,
    OPEN,
    ActivityLog,
    Opening,
    Pair,
    open_conversations,
    record_activity,
)
from atende.core import upsert
from atende.core.types import new_id, utcnow
from atende.messages.models import Direction, MediaStatus, Message, MessageStatus
from atende.whatsapp.inbound import InboundMessage

logger = logging.getLogger(__name__)

MESSAGES = cast(Table, Message.__table__)
_m = MESSAGES.c
_v = CONVERSATIONS.c
_k = CONTACTS.c


class RowView(SimpleNamespace):
    """A row read like its ORM object by mapping code (`to_message_read`, `to_read`): building
    ORM instances costs tens of microseconds each on this path. Missing columns read as None."""

    def __getattr__(self, name: str) -> None:
        if name.startswith("__"):
            raise AttributeError(name)
        return None


@dataclass(frozen=True, slots=True)
class NumberRoute:
    """The business number a change is addressed to."""

    id: uuid.UUID
    default_team_id: uuid.UUID | None


@dataclass(slots=True)
class RoutedMessage:
    number: NumberRoute
    message: InboundMessage


@dataclass(slots=True)
class IngestResult:
    # Rows inserted by this delivery, as transient objects, in envelope order.
    new_messages: list[Message] = field(default_factory=list)
    opened: list[uuid.UUID] = field(default_factory=list)
    # Stored messages whose reactions changed.
    reacted: list[Message] = field(default_factory=list)

    @property
    def conversation_ids(self) -> set[uuid.UUID]:
        ids = {m.conversation_id for m in self.new_messages}
        ids.update(self.opened)
        ids.update(m.conversation_id for m in self.reacted)
        return ids


async def ingest_messages(session: AsyncSession, *, items: list[RoutedMessage]) -> IngestResult:
    """Store the messages of one envelope; no commit (the caller owns the transaction)."""
    result = IngestResult()
    items = _first_of_each_wamid(items)
    if not items:
        return result
    now = utcnow()
    dialect = upsert.dialect_name(session)
    targets = await _reaction_targets(session, items)
    in_envelope = {i.message.wamid for i in items if i.message.reaction is None}
    bubbles: list[RoutedMessage] = []
    reactions: list[RoutedMessage] = []
    for item in items:
        reaction = item.message.reaction
        attach = reaction is not None and (
            reaction.target_wamid in targets or reaction.target_wamid in in_envelope
        )
        (reactions if attach else bubbles).append(item)

    conversations: dict[Pair, uuid.UUID] = {}
    contact_of: dict[str, uuid.UUID] = {}
    if bubbles:
        await _contacts_and_conversations(
            session, bubbles, conversations, contact_of, now, result, dialect
        )

    rows = []
    for item in bubbles:
        conversation_id = conversations.get((item.number.id, contact_of[item.message.wamid]))
        if conversation_id is not None:
            rows.append(_row(item.message, conversation_id, now))
    activity = ActivityLog()
    saved, reacted = _react(reactions, targets, {r["wamid"]: r for r in rows}, activity)
    if rows:
        stmt = _insert_messages(dialect)
        # Sorted keys: concurrent transactions then wait on each other instead of deadlocking.
        ordered = sorted(rows, key=lambda r: str(r["wamid"]))
        inserted = set((await upsert.execute(session, stmt, ordered)).scalars())
        result.new_messages = [cast(Message, RowView(**r)) for r in rows if r["id"] in inserted]
    number_changes = {i.message.wamid: i.message.new_wa_id for i in bubbles if i.message.new_wa_id}
    for message in result.new_messages:
        activity.message(message.conversation_id, message.id, message.timestamp)
        wamid = message.wamid or ""
        if wamid in number_changes:
            await change_wa_id(
                session, contact_id=contact_of[wamid], wa_id=number_changes[wamid] or ""
            )
    if saved:
        await _save_reactions(session, saved, now)
    result.reacted = reacted
    await record_activity(session, log=activity, now=now)
    return result


@functools.cache
def _insert_messages(dialect: str) -> Any:
    return (
        upsert.insert_for(dialect, MESSAGES)
        .on_conflict_do_nothing(index_elements=["wamid"])
        .returning(_m.id)
    )


@functools.cache
def _lookup(dialect: str) -> Any:
    """The envelope's contacts (by wa_id or BSUID) with their open conversations."""
    open_on_numbers = and_(
        _v.contact_id == _k.id,
        _v.status == OPEN,
        upsert.in_list(dialect, _v.number_id, "b_numbers"),
    )
    senders = or_(
        upsert.in_list(dialect, _k.wa_id, "b_wa_ids"),
        upsert.in_list(dialect, _k.user_id, "b_user_ids"),
    )
    if dialect != "postgresql":  # SQLite has no LATERAL
        joined = CONTACTS.outerjoin(CONVERSATIONS, open_on_numbers)
        return (
            select(_k.id, _k.wa_id, _k.user_id, _k.name, _v.id, _v.number_id)
            .select_from(joined)
            .where(senders)
        )
    # A lookup per sender, whatever the statistics say: planned from those of a smaller
    # table, a plain join read every open conversation of the number for each envelope.
    # OFFSET 0 keeps PostgreSQL from flattening the LATERAL subquery back into that join.
    conversation = (
        select(_v.id, _v.number_id).where(open_on_numbers).offset(0).lateral("open_conversation")
    )
    return (
        select(_k.id, _k.wa_id, _k.user_id, _k.name, conversation.c.id, conversation.c.number_id)
        .select_from(CONTACTS.outerjoin(conversation, true()))
        .where(senders)
    )


def _first_of_each_wamid(items: list[RoutedMessage]) -> list[RoutedMessage]:
    seen: set[str] = set()
    unique = []
    for item in items:
        if item.message.wamid not in seen:
            seen.add(item.message.wamid)
            unique.append(item)
    return unique


async def _reaction_targets(
    session: AsyncSession, items: list[RoutedMessage]
) -> dict[str, Message]:
    wamids = {i.message.reaction.target_wamid for i in items if i.message.reaction is not None}
    if not wamids:
        return {}
    stmt = select(Message).where(Message.wamid.in_(wamids)).order_by(Message.id).with_for_update()
    return {m.wamid: m for m in (await session.scalars(stmt)) if m.wamid}


async def _contacts_and_conversations(
    session: AsyncSession,
    bubbles: list[RoutedMessage],
    conversations: dict[Pair, uuid.UUID],
    contact_of: dict[str, uuid.UUID],
    now: datetime,
    result: IngestResult,
    dialect: str,
) -> None:
    identities = [i.message.sender for i in bubbles]
    params = {
        "b_numbers": list({i.number.id for i in bubbles}),
        "b_wa_ids": list({i.wa_id for i in identities if i.wa_id}),
        "b_user_ids": list({i.user_id for i in identities if i.user_id}),
    }
    index = ContactIndex()
    seen: set[uuid.UUID] = set()
    for row in await upsert.execute(session, _lookup(dialect), params):
        if row[0] not in seen:
            seen.add(row[0])
            index.add(ContactRow(id=row[0], wa_id=row[1], user_id=row[2], name=row[3]))
        if row[4] is not None:
            conversations[(row[5], row[0])] = row[4]
    await upsert_contacts(session, index=index, identities=identities)
    missing: dict[Pair, list[RoutedMessage]] = {}
    for item in bubbles:
        contact = index.find(item.message.sender)
        assert contact is not None  # upsert_contacts leaves every identity in the index
        contact_of[item.message.wamid] = contact.id
        pair = (item.number.id, contact.id)
        if pair not in conversations:
            missing.setdefault(pair, []).append(item)
    if missing:
        await _open(session, missing, conversations, now, result)


async def _open(
    session: AsyncSession,
    missing: dict[Pair, list[RoutedMessage]],
    conversations: dict[Pair, uuid.UUID],
    now: datetime,
    result: IngestResult,
) -> None:
    # A redelivery of messages already stored must not open a fresh conversation.
    wamids = [i.message.wamid for items in missing.values() for i in items]
    stored = set(
        (await upsert.execute(session, select(_m.wamid).where(_m.wamid.in_(wamids)))).scalars()
    )
    openings = []
    for (number_id, contact_id), items in missing.items():
        fresh = [i for i in items if i.message.wamid not in stored]
        if fresh:
            openings.append(
                Opening(
                    number_id=number_id,
                    contact_id=contact_id,
                    team_id=fresh[0].number.default_team_id,
                    since=min(i.message.timestamp for i in fresh),
                )
            )
    found, opened = await open_conversations(session, openings=openings, now=now)
    conversations.update(found)
    result.opened.extend(opened)


def _row(message: InboundMessage, conversation_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    return {
        "id": new_id(),
        "conversation_id": conversation_id,
        "direction": Direction.INBOUND.value,
        "wamid": message.wamid,
        "type": message.type,
        "text": message.text,
        "payload": message.payload,
        "reply_to_wamid": message.reply_to_wamid,
        "reactions": None,
        "reactions_at": None,
        "media_id": message.media_id,
        "media_mime_type": message.media_mime_type,
        "media_sha256": message.media_sha256,
        "media_filename": message.media_filename,
        "media_status": (
            MediaStatus.PENDING.value if message.is_media and message.media_id else None
        ),
        "media_size": None,
        "media_path": None,
        "sender_id": None,
        "is_automated": False,
        "status": MessageStatus.RECEIVED.value,
        "error_code": message.error_code,
        "error_title": message.error_title,
        "error_details": None,
        "timestamp": message.timestamp,
        "sent_at": None,
        "delivered_at": None,
        "read_at": None,
        "is_read_by_agent": False,
        "attempts": 0,
        "next_attempt_at": None,
        "claimed_until": None,
        "created_at": now,
        "updated_at": now,
    }


def _react(
    reactions: list[RoutedMessage],
    targets: dict[str, Message],
    rows: dict[str, dict[str, Any]],
    activity: ActivityLog,
) -> tuple[list[Message], list[Message]]:
    """Fold reactions into their targets (stored ones, or rows about to be inserted).

    Returns the stored targets to save and, among them, those whose reactions changed.
    Reactions open no bubble but count for the 24-hour window of the target's conversation.
    Each reactor's latest reaction wins, by Meta's timestamp, whatever the delivery order.
    """
    changed: dict[uuid.UUID, tuple[Message, Reactions]] = {}
    for item in sorted(reactions, key=lambda i: i.message.timestamp):
        message = item.message
        assert message.reaction is not None
        target_wamid = message.reaction.target_wamid
        at = int(message.timestamp.timestamp())
        stored = targets.get(target_wamid)
        if stored is not None:
            state = changed.get(stored.id, (stored, Reactions.of(stored)))[1]
            state.set(message.reactor, message.reaction.emoji, at)
            changed[stored.id] = (stored, state)
            conversation_id = stored.conversation_id
        else:
            row = rows.get(target_wamid)
            if row is None:
                continue  # its conversation could not be found; nothing to attach to
            state = Reactions(dict(row["reactions"] or {}), dict(row["reactions_at"] or {}))
            state.set(message.reactor, message.reaction.emoji, at)
            row["reactions"], row["reactions_at"] = state.emojis or None, state.times
            conversation_id = row["conversation_id"]
        activity.inbound(conversation_id, message.timestamp)
    saved, announced = [], []
    for stored, state in changed.values():
        if state.times != (stored.reactions_at or {}):
            saved.append(stored)
        if state.emojis != (stored.reactions or {}):
            announced.append(stored)
        set_committed_value(stored, "reactions", state.emojis or None)
        set_committed_value(stored, "reactions_at", state.times)
    return saved, announced


@dataclass(slots=True)
class Reactions:
    emojis: dict[str, str]
    times: dict[str, int]

    @classmethod
    def of(cls, message: Message) -> "Reactions":
        return cls(dict(message.reactions or {}), dict(message.reactions_at or {}))

    def set(self, reactor: str, emoji: str | None, at: int) -> None:
        if self.times.get(reactor, at) > at:
            return  # an older reaction arriving late
        self.times[reactor] = at
        if emoji:
            self.emojis[reactor] = emoji
        else:
            self.emojis.pop(reactor, None)


async def _save_reactions(session: AsyncSession, reacted: list[Message], now: datetime) -> None:
    stmt = (
        update(MESSAGES)
        .where(_m.id == bindparam("b_id"))
        .values(
            reactions=bindparam("b_reactions", type_=_m.reactions.type),
            reactions_at=bindparam("b_reactions_at", type_=_m.reactions_at.type),
            updated_at=bindparam("b_now", type_=_m.updated_at.type),
        )
    )
    await upsert.execute(
        session,
        stmt,
        [
            {
                "b_id": m.id,
                "b_reactions": m.reactions,
                "b_reactions_at": m.reactions_at,
                "b_now": now,
            }
            for m in sorted(reacted, key=lambda m: m.id)
        ],
    )
