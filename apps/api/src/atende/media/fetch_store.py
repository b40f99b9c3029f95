"""The inbound media jobs' SQL. The jobs are the pending rows themselves: a webhook stores a
media message with `media_status = 'pending'` in its own transaction, so the job exists
exactly when the message does, and survives any restart.

A claim bumps `media_attempts` (the fencing token: only the holder of the current attempt
may record a result) and moves `media_next_attempt_at` to the end of the lease, so a
fetcher that dies leaves its rows to be claimed again once the lease ends.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from atende.conversations import repository as conversations_repository
from atende.conversations.models import Conversation
from atende.core.db import queue_event
from atende.messages.models import MediaStatus, Message
from atende.messages.repository import to_message_read
from atende.numbers.models import Number
from atende.realtime.events import MESSAGE_UPDATED, conversation_event

# Literal, not a bind parameter: PostgreSQL then proves the partial index's predicate.
PENDING = text("messages.media_status = 'pending'")


@dataclass(slots=True)
class MediaJob:
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    attempts: int
    media_id: str | None
    mime_type: str | None
    # As the webhook gave it (base64).
    sha256: str | None
    phone_number_id: str
    access_token_encrypted: str | None
    is_simulated: bool


async def claim(
    session: AsyncSession, *, now: datetime, lease: timedelta, limit: int
) -> list[MediaJob]:
    due = (
        select(Message.id)
        .where(
            PENDING,
            or_(Message.media_next_attempt_at.is_(None), Message.media_next_attempt_at <= now),
        )
        .order_by(Message.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await session.execute(
        update(Message)
        .where(Message.id.in_(due.scalar_subquery()))
        .values(media_next_attempt_at=now + lease, media_attempts=Message.media_attempts + 1)
        .returning(Message.id)
        .execution_options(synchronize_session=False)
    )
    ids = list(claimed.scalars())
    if not ids:
        return []
    rows = await session.execute(
        select(
            Message.id,
            Message.conversation_id,
            Message.media_attempts,
            Message.media_id,
            Message.media_mime_type,
            Message.media_sha256,
            Number.phone_number_id,
            Number.access_token_encrypted,
            Number.is_simulated,
        )
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Number, Number.id == Conversation.number_id)
        .where(Message.id.in_(ids))
        .order_by(Message.id)
    )
    return [MediaJob(*row) for row in rows.all()]


async def _update(session: AsyncSession, job: MediaJob, **values: Any) -> bool:
    result = await session.execute(
        update(Message)
        .where(
            Message.id == job.message_id,
            Message.media_attempts == job.attempts,
            PENDING,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def record_ready(
    session: AsyncSession, job: MediaJob, *, key: str, size: int, mime_type: str
) -> bool:
    """False when the job is no longer ours (its lease ended and it was claimed again)."""
    done = await _update(
        session,
        job,
        media_status=MediaStatus.READY.value,
        media_path=key,
        media_size=size,
        media_mime_type=mime_type,
        media_next_attempt_at=None,
        media_error=None,
    )
    if done:
        await _queue_updated(session, job.message_id)
    return done


async def record_retry(session: AsyncSession, job: MediaJob, *, at: datetime, error: str) -> bool:
    return await _update(session, job, media_next_attempt_at=at, media_error=error[:512])


async def record_failed(session: AsyncSession, job: MediaJob, *, error: str) -> bool:
    done = await _update(
        session,
        job,
        media_status=MediaStatus.FAILED.value,
        media_next_attempt_at=None,
        media_error=error[:512],
    )
    if done:
        await _queue_updated(session, job.message_id)
    return done


async def release(session: AsyncSession, job: MediaJob, *, now: datetime) -> bool:
    """Not attempted (shutdown): due again at once, the attempt not counted."""
    return await _update(
        session, job, media_next_attempt_at=now, media_attempts=Message.media_attempts - 1
    )


async def _queue_updated(session: AsyncSession, message_id: uuid.UUID) -> None:
    """message:updated with the message as it is now (ready with a link, or failed)."""
    message = (
        await session.execute(
            select(Message)
            .where(Message.id == message_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    conversation = await conversations_repository.load_read(session, message.conversation_id)
    if conversation is None:
        return
    queue_event(
        session,
        conversation_event(
            MESSAGE_UPDATED,
            {
                "conversation": conversation.model_dump(mode="json"),
                "message": to_message_read(message).model_dump(mode="json"),
            },
            team_id=conversation.team.id if conversation.team else None,
            assignee_id=conversation.assignee.id if conversation.assignee else None,
        ),
    )
