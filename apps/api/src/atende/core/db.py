"""Engine, sessions and the one commit helper that publishes realtime events after commit."""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry

logger = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@dataclass(frozen=True)
class Event:
    """A realtime event and the rooms allowed to receive it."""

    name: str
    payload: dict[str, Any]
    rooms: frozenset[str]


Sink = Callable[[list[Event]], Awaitable[None]]


@dataclass
class Publisher:
    """Delivers committed events to the registered sinks (socket.io, test hooks)."""

    sinks: list[Sink] = field(default_factory=list)

    async def publish(self, events: list[Event]) -> None:
        for sink in self.sinks:
            try:
                await sink(events)
            except Exception:
                # The data is committed; a lost notification is repaired by the client's catch-up.
                logger.exception("realtime publish failed", extra={"events": len(events)})


PENDING_EVENTS = "pending_events"
PUBLISHER = "publisher"


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    # SQLite's lower() (and so ILIKE) only folds ASCII; searches must match "JOÃO" to "joão"
    # as PostgreSQL does. No index is built on lower(), so overriding it is safe.
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # Database errors are logged (e.g. a webhook during an outage); their text must not carry
    # the statement's parameters: message bodies, password hashes, encrypted tokens.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


class Database:
    def __init__(self, url: str, publisher: Publisher | None = None, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.publisher = publisher or Publisher()
        self.sessionmaker = async_sessionmaker(
            self.engine, expire_on_commit=False, info={PUBLISHER: self.publisher}
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    async def dispose(self) -> None:
        await self.engine.dispose()


def queue_event(session: AsyncSession, event_: Event) -> None:
    """Queue an event to be published once this session's transaction commits."""
    session.info.setdefault(PENDING_EVENTS, []).append(event_)


async def commit(session: AsyncSession) -> None:
    """Commit, then publish the events queued in this transaction (a rollback drops them)."""
    await session.commit()
    events: list[Event] = session.info.pop(PENDING_EVENTS, [])
    publisher: Publisher | None = session.info.get(PUBLISHER)
    if events and publisher is not None:
        await publisher.publish(events)


async def rollback(session: AsyncSession) -> None:
    session.info.pop(PENDING_EVENTS, None)
    await session.rollback()


@event.listens_for(AsyncSession.sync_session_class, "after_rollback")
def _drop_events_on_rollback(session: Any) -> None:
    session.info.pop(PENDING_EVENTS, None)


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_db(request).session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
DatabaseDep = Annotated[Database, Depends(get_db)]

__all__ = ["Base", "Database", "Engine", "Event", "Publisher", "SessionDep", "commit"]
