"""Event names and the rooms that may receive an event about a conversation."""

import uuid
from collections.abc import Iterable
from typing import Any

from atende.core.db import Event
from atende.core.deps import Principal
from atende.users.models import Role

MESSAGE_NEW = "message:new"
MESSAGE_STATUS = "message:status"
CONVERSATION_ASSIGNED = "conversation:assigned"
CONVERSATION_TRANSFERRED = "conversation:transferred"
CONVERSATION_UPDATED = "conversation:updated"
# A stored message changed in place (a customer's reaction): {conversation, message}.
MESSAGE_UPDATED = "message:updated"
# Sent to one socket right before the server disconnects it at its access token's expiry.
AUTH_EXPIRED = "auth:expired"


def user_room(user_id: uuid.UUID | str) -> str:
    return f"user:{user_id}"


def team_room(team_id: uuid.UUID | str) -> str:
    return f"team:{team_id}"


def role_room(role: Role | str) -> str:
    return f"role:{role}"


def principal_rooms(principal: Principal) -> list[str]:
    """The rooms a user's sockets join: their own, each of their teams', their role's."""
    return [
        user_room(principal.id),
        *(team_room(team_id) for team_id in sorted(principal.team_ids)),
        role_room(principal.role),
    ]


def conversation_rooms(
    *,
    team_id: uuid.UUID | None,
    assignee_id: uuid.UUID | None,
    also_users: Iterable[uuid.UUID | None] = (),
) -> frozenset[str]:
    """Exactly the users allowed to GET the conversation (plus, e.g., a previous assignee,
    who must learn that it left their list)."""
    rooms = {role_room(Role.ADMIN), role_room(Role.SUPERVISOR)}
    # A conversation with no team is visible to every agent.
    rooms.add(team_room(team_id) if team_id else role_room(Role.AGENT))
    for user_id in (assignee_id, *also_users):
        if user_id:
            rooms.add(user_room(user_id))
    return frozenset(rooms)


def conversation_event(
    name: str,
    payload: dict[str, Any],
    *,
    team_id: uuid.UUID | None,
    assignee_id: uuid.UUID | None,
    also_users: Iterable[uuid.UUID | None] = (),
) -> Event:
    return Event(
        name=name,
        payload=payload,
        rooms=conversation_rooms(team_id=team_id, assignee_id=assignee_id, also_users=also_users),
    )


def moved_conversation_event(
    name: str,
    payload: dict[str, Any],
    *,
    team_id: uuid.UUID | None,
    assignee_id: uuid.UUID | None,
    previous_team_id: uuid.UUID | None,
    previous_assignee_id: uuid.UUID | None,
) -> Event:
    """An event about a conversation whose team/assignee changed: it reaches the new audience
    and the previous one, so the conversation also leaves the lists it was in."""
    rooms = conversation_rooms(team_id=team_id, assignee_id=assignee_id) | conversation_rooms(
        team_id=previous_team_id, assignee_id=previous_assignee_id
    )
    return Event(name=name, payload=payload, rooms=rooms)
