"""Who may see a conversation (design.md RBAC), as a Python check and as a SQL filter."""

import uuid

from sqlalchemy import ColumnElement, or_, true

from atende.conversations.models import Conversation
from atende.core.deps import Principal


def can_see(user: Principal, *, team_id: uuid.UUID | None, assignee_id: uuid.UUID | None) -> bool:
    if user.sees_everything:
        return True
    # Agents see their own, their teams', and conversations with no team at all.
    return assignee_id == user.id or team_id is None or team_id in user.team_ids


def visible_filter(user: Principal) -> ColumnElement[bool]:
    if user.sees_everything:
        return true()
    conditions: list[ColumnElement[bool]] = [
        Conversation.assignee_id == user.id,
        Conversation.team_id.is_(None),
    ]
    if user.team_ids:
        conditions.append(Conversation.team_id.in_(user.team_ids))
    return or_(*conditions)
