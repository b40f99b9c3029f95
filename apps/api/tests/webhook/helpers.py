"""Signed webhook deliveries, as Meta makes them."""

import json
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atende.contacts.models import Contact
from atende.conversations.models import Conversation
from atende.core.db import Database, Event
from atende.messages.models import Message
from atende.whatsapp.signature import sign

PAYLOADS = Path(__file__).parent / "payloads"
APP_SECRET = "test-app-secret"  # the `settings` fixture's WHATSAPP_APP_SECRET
URL = "/webhook/whatsapp"
# Every fixture is addressed to this number (and multi_batch also to OTHER_PHONE_NUMBER_ID).
PHONE_NUMBER_ID = "209988776655443"
OTHER_PHONE_NUMBER_ID = "209988776655999"


def payload_bytes(name: str) -> bytes:
    """A fixture exactly as stored: the bytes are what gets signed."""
    return (PAYLOADS / f"{name}.json").read_bytes()


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(payload_bytes(name))
    return data


def signature_headers(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)}


async def post_body(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await client.post(URL, content=body, headers=signature_headers(body))


async def post(client: httpx.AsyncClient, envelope: dict[str, Any] | str) -> httpx.Response:
    """Post a fixture by name, or an envelope dict, signed."""
    body = payload_bytes(envelope) if isinstance(envelope, str) else json.dumps(envelope).encode()
    return await post_body(client, body)


async def count(session: AsyncSession, model: type[Any]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def counts(db: Database) -> tuple[int, int, int]:
    """(contacts, conversations, messages) seen by a fresh session."""
    async with db.session() as s:
        return (await count(s, Contact), await count(s, Conversation), await count(s, Message))


async def messages(db: Database) -> list[Message]:
    async with db.session() as s:
        return list(await s.scalars(select(Message).order_by(Message.timestamp, Message.wamid)))


async def message(db: Database, wamid: str) -> Message:
    async with db.session() as s:
        found = await s.scalar(select(Message).where(Message.wamid == wamid))
        assert found is not None, wamid
        return found


async def conversations(db: Database) -> list[Conversation]:
    async with db.session() as s:
        return list(await s.scalars(select(Conversation).order_by(Conversation.created_at)))


async def contacts(db: Database) -> list[Contact]:
    async with db.session() as s:
        return list(await s.scalars(select(Contact).order_by(Contact.created_at)))


def named(events: list[Event], name: str) -> list[Event]:
    return [e for e in events if e.name == name]
