"""Set-based contact upsert for webhook intake.

A customer is known by `wa_id` and/or BSUID `user_id`, each unique where present
(cloud-api.md §2.3). Rows are looked up by either key; a row found by one key gets the other
filled in when no other row holds it, so the upsert never trips a unique constraint in the
common case (a concurrent fill of the same key fails the transaction, and Meta redelivers).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, exists, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from atende.contacts.models import Contact
from atende.core import upsert
from atende.core.types import new_id, utcnow
from atende.whatsapp.inbound import Identity

CONTACTS = cast(Table, Contact.__table__)
_c = CONTACTS.c


@dataclass(slots=True)
class ContactRow:
    id: uuid.UUID
    wa_id: str | None
    user_id: str | None
    name: str | None


class ContactIndex:
    """Contacts of one envelope, found by wa_id or user_id."""

    def __init__(self) -> None:
        self.by_wa: dict[str, ContactRow] = {}
        self.by_user: dict[str, ContactRow] = {}

    def add(self, row: ContactRow) -> None:
        if row.wa_id:
            self.by_wa[row.wa_id] = row
        if row.user_id:
            self.by_user[row.user_id] = row

    def find(self, identity: Identity) -> ContactRow | None:
        # The phone-keyed row wins when both exist: it carries the agents' history.
        if identity.wa_id and identity.wa_id in self.by_wa:
            return self.by_wa[identity.wa_id]
        if identity.user_id:
            return self.by_user.get(identity.user_id)
        return None


def lookup_clause(identities: list[Identity]) -> ColumnElement[bool]:
    wa_ids = {i.wa_id for i in identities if i.wa_id}
    user_ids = {i.user_id for i in identities if i.user_id}
    clauses: list[ColumnElement[bool]] = []
    if wa_ids:
        clauses.append(_c.wa_id.in_(wa_ids))
    if user_ids:
        clauses.append(_c.user_id.in_(user_ids))
    return or_(*clauses) if clauses else false()


async def upsert_contacts(
    session: AsyncSession, *, index: ContactIndex, identities: list[Identity]
) -> None:
    """Insert the unknown identities and complete the known ones; `index` ends up with all."""
    now = utcnow()
    fills: dict[uuid.UUID, dict[str, Any]] = {}
    new: list[Identity] = []
    for identity in identities:
        row = index.find(identity)
        if row is None:
            new.append(identity)
            continue
        fill: dict[str, Any] = {}
        if identity.user_id and not row.user_id and identity.user_id not in index.by_user:
            fill["user_id"] = row.user_id = identity.user_id
            index.by_user[identity.user_id] = row
        if identity.wa_id and not row.wa_id and identity.wa_id not in index.by_wa:
            fill["wa_id"] = row.wa_id = identity.wa_id
            index.by_wa[identity.wa_id] = row
        if identity.name and identity.name != row.name:
            fill["name"] = row.name = identity.name
        if fill:
            fills.setdefault(row.id, {}).update(fill)
    if fills:
        await _fill(session, fills, now)
    if new:
        await _insert(session, index=index, identities=new, now=now)


async def _fill(
    session: AsyncSession, fills: dict[uuid.UUID, dict[str, Any]], now: datetime
) -> None:
    stmt = (
        update(CONTACTS)
        .where(_c.id == bindparam("b_id"))
        .values(
            wa_id=func.coalesce(_c.wa_id, bindparam("b_wa_id", type_=_c.wa_id.type)),
            user_id=func.coalesce(_c.user_id, bindparam("b_user_id", type_=_c.user_id.type)),
            name=func.coalesce(bindparam("b_name", type_=_c.name.type), _c.name),
            updated_at=bindparam("b_now", type_=_c.updated_at.type),
        )
    )
    params = [
        {
            "b_id": contact_id,
            "b_wa_id": fill.get("wa_id"),
            "b_user_id": fill.get("user_id"),
            "b_name": fill.get("name"),
            "b_now": now,
        }
        for contact_id, fill in sorted(fills.items())
    ]
    await upsert.execute(session, stmt, params)


async def _insert(
    session: AsyncSession, *, index: ContactIndex, identities: list[Identity], now: datetime
) -> None:
    # Merge identities of the same person (a later message may bring the other key).
    pending = ContactIndex()
    rows: list[ContactRow] = []
    for identity in identities:
        row = pending.find(identity)
        if row is None:
            row = ContactRow(id=new_id(), wa_id=None, user_id=None, name=None)
            rows.append(row)
        if identity.wa_id and not row.wa_id and identity.wa_id not in pending.by_wa:
            row.wa_id = identity.wa_id
        if identity.user_id and not row.user_id and identity.user_id not in pending.by_user:
            row.user_id = identity.user_id
        row.name = identity.name or row.name
        pending.add(row)
    stmt = upsert.insert(session, CONTACTS).on_conflict_do_nothing().returning(_c.id)
    params = [
        {
            "id": r.id,
            "wa_id": r.wa_id,
            "user_id": r.user_id,
            "name": r.name,
            "created_at": now,
            "updated_at": now,
        }
        for r in sorted(rows, key=lambda r: (r.wa_id or "", r.user_id or ""))
    ]
    inserted = set((await upsert.execute(session, stmt, params)).scalars())
    for row in rows:
        if row.id in inserted:
            index.add(row)
    lost = [r for r in rows if r.id not in inserted]
    if lost:
        # A concurrent delivery created them first: read back what it committed.
        lookup = [Identity(wa_id=r.wa_id, user_id=r.user_id) for r in lost]
        await load_into(session, index=index, where=lookup_clause(lookup))


async def load_into(
    session: AsyncSession, *, index: ContactIndex, where: ColumnElement[bool]
) -> None:
    result = await upsert.execute(
        session, select(_c.id, _c.wa_id, _c.user_id, _c.name).where(where)
    )
    for row in result:
        index.add(ContactRow(id=row[0], wa_id=row[1], user_id=row[2], name=row[3]))


async def change_wa_id(session: AsyncSession, *, contact_id: uuid.UUID, wa_id: str) -> None:
    """`user_changed_number`: move the contact to its new number unless another row has it."""
    other = CONTACTS.alias("other")
    await upsert.execute(
        session,
        update(CONTACTS)
        .where(_c.id == contact_id, ~exists().where(other.c.wa_id == wa_id))
        .values(wa_id=wa_id, updated_at=utcnow()),
    )
