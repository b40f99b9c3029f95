"""The migration that lets unsent uploads be deleted marks the uploads messages already use,
so the first sweep after an upgrade never takes a sent file."""

import asyncio
from pathlib import Path

from atende.core.config import Environment, Settings
from atende.core.db import Database
from atende.core.migrations import downgrade, upgrade
from atende.media.models import Upload
from atende.messages.models import Direction, Message, MessageStatus
from tests.factories import Factory, ago

BEFORE = "7c2e5a90d4f1"


def upload(key: str) -> Upload:
    return Upload(
        storage_key=key, mime_type="application/pdf", size=10, sha256="x", created_at=ago(days=3)
    )


async def test_uploads_messages_use_are_marked_attached(
    empty_database: str, tmp_path: Path
) -> None:
    url = empty_database
    settings = Settings(environment=Environment.TEST, data_dir=tmp_path, jwt_secret="x" * 40)
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        async with db.session() as session:
            factory = Factory(session, settings)
            conversation = await factory.conversation(number=await factory.number())
            used, draft = upload("uploads/used"), upload("uploads/draft")
            session.add_all([used, draft])
            sent_at = ago(days=2)
            session.add(
                Message(
                    conversation_id=conversation.id,
                    direction=Direction.OUTBOUND,
                    type="document",
                    media_path="uploads/used",
                    status=MessageStatus.SENT,
                    timestamp=sent_at,
                    created_at=sent_at,
                )
            )
            await session.commit()

        await asyncio.to_thread(downgrade, url, BEFORE)
        await asyncio.to_thread(upgrade, url)

        async with db.session() as session:
            marked = await session.get(Upload, used.id)
            unmarked = await session.get(Upload, draft.id)
        assert marked is not None and marked.attached_at == sent_at
        assert unmarked is not None and unmarked.attached_at is None
    finally:
        await db.dispose()
