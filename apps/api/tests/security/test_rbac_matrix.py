"""Every conversation, message, transfer, contact-history and dashboard endpoint tried by
ADMIN, SUPERVISOR, an AGENT of the conversation's team, an AGENT of another team and an
anonymous caller: exact status codes, 404 (never 403) for conversations the caller may not see,
nothing written unless the call succeeds, nothing hidden in any list; and over socket.io, an
inbound message never reaches an agent of another team."""

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from atende.conversations.models import Conversation, ConversationStatus
from atende.core.db import Database
from atende.numbers.models import Number
from atende.teams.models import Team
from atende.users.models import Role, User
from atende.whatsapp import envelopes
from atende.whatsapp.signature import sign
from tests.factories import Factory, ago
from tests.realtime.conftest import QUIET_PERIOD, Client, Connect, LiveServer

ADMIN, SUPERVISOR, AGENT, OUTSIDER, ANONYMOUS = "admin", "supervisor", "agent", "outsider", "anon"
ROLES = (ADMIN, SUPERVISOR, AGENT, OUTSIDER, ANONYMOUS)
WATCHED = ("conversations", "messages", "transfers", "contacts")


@dataclass
class World:
    team: Team
    other_team: Team
    users: dict[str, User]
    colleague: User
    number: Number
    mine: Conversation  # team's, assigned to the agent
    colleagues: Conversation  # team's, assigned to a colleague
    resolved: Conversation  # team's, resolved, assigned to the agent

    def ids(self) -> dict[str, str]:
        return {
            "mine": str(self.mine.id),
            "colleagues": str(self.colleagues.id),
            "resolved": str(self.resolved.id),
            "contact": str(self.mine.contact_id),
            "number": str(self.number.id),
            "team": str(self.team.id),
            "other_team": str(self.other_team.id),
            "admin": str(self.users[ADMIN].id),
        }


async def make_world(factory: Factory) -> World:
    team, other_team = await factory.team(), await factory.team()
    users = {
        ADMIN: await factory.user(role=Role.ADMIN),
        SUPERVISOR: await factory.user(role=Role.SUPERVISOR),
        AGENT: await factory.user(role=Role.AGENT, teams=[team]),
        OUTSIDER: await factory.user(role=Role.AGENT, teams=[other_team]),
    }
    colleague = await factory.user(role=Role.AGENT, teams=[team])
    number = await factory.number(default_team=team)
    recent = ago(minutes=10)
    conversations = []
    for assignee, status in (
        (users[AGENT], ConversationStatus.OPEN),
        (colleague, ConversationStatus.OPEN),
        (users[AGENT], ConversationStatus.RESOLVED),
    ):
        conversation = await factory.conversation(
            number=number, team=team, assignee=assignee, status=status, last_inbound_at=recent
        )
        await factory.message(conversation=conversation, text="olá", at=recent)
        conversations.append(conversation)
    await factory.commit()
    return World(team, other_team, users, colleague, number, *conversations)


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    # Expected status per role; roles left out get the default for their kind.
    expect: dict[str, int]
    body: dict[str, Any] | None = None


def see(success: int) -> dict[str, int]:
    """Everyone who may see the team's conversation succeeds; the outsider gets 404."""
    return {ADMIN: success, SUPERVISOR: success, AGENT: success, OUTSIDER: 404}


CASES = [
    Case("GET", "/api/conversations/{mine}", see(200)),
    Case("GET", "/api/conversations/{mine}/messages", see(200)),
    Case("POST", "/api/conversations/{mine}/messages", see(202), {"type": "text", "text": "oi"}),
    Case("POST", "/api/conversations/{mine}/read", see(200)),
    Case("GET", "/api/conversations/{mine}/transfers", see(200)),
    Case("POST", "/api/conversations/{mine}/assign", see(200), {"assignee_id": None}),
    Case("POST", "/api/conversations/{mine}/transfer", see(200), {"to_team_id": "{other_team}"}),
    Case("POST", "/api/conversations/{mine}/resolve", see(200)),
    Case("POST", "/api/conversations/{resolved}/reopen", see(200)),
    Case(
        "POST",
        "/api/conversations/{mine}/assign",
        {**see(200), AGENT: 403},
        {"assignee_id": "{admin}"},
    ),
    Case("GET", "/api/conversations/{colleagues}", see(200)),
    Case(
        "POST",
        "/api/conversations/{colleagues}/transfer",
        {**see(200), AGENT: 403},
        {"to_team_id": "{other_team}"},
    ),
    Case("POST", "/api/conversations/{colleagues}/resolve", {**see(200), AGENT: 403}),
    Case(
        "POST",
        "/api/conversations/{colleagues}/assign",
        {**see(200), AGENT: 409},
        {"assignee_id": "{agent}"},
    ),
    Case(
        "POST",
        "/api/messages",
        see(202),
        {"contact_id": "{contact}", "number_id": "{number}", "type": "text", "text": "oi"},
    ),
    Case("GET", "/api/contacts/{contact}/conversations", {r: 200 for r in ROLES[:4]}),
    Case(
        "GET",
        "/api/conversations?view=all",
        {ADMIN: 200, SUPERVISOR: 200, AGENT: 403, OUTSIDER: 403},
    ),
    Case("GET", "/api/conversations?view=team", {r: 200 for r in ROLES[:4]}),
    Case("GET", "/api/conversations?view=mine", {r: 200 for r in ROLES[:4]}),
    Case("GET", "/api/conversations?view=unassigned", {r: 200 for r in ROLES[:4]}),
    Case("GET", "/api/conversations/counts", {r: 200 for r in ROLES[:4]}),
    Case("GET", "/api/dashboard", {r: 200 for r in ROLES[:4]}),
    Case("GET", "/api/conversations/{unknown}", see(404)),
]


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


async def snapshot(session: AsyncSession) -> dict[str, list[tuple[str, ...]]]:
    result = {}
    for table in WATCHED:
        rows = await session.execute(text(f"SELECT * FROM {table}"))
        result[table] = sorted(tuple(str(v) for v in row) for row in rows)
    await session.rollback()
    return result


async def test_conversation_endpoints_by_role(
    client: httpx.AsyncClient, factory: Factory, session: AsyncSession
) -> None:
    wrong: list[str] = []
    for case in CASES:
        for role in ROLES:
            # A fresh world per call: successful calls change it.
            world = await make_world(factory)
            ids = {**world.ids(), "agent": str(world.users[AGENT].id), "unknown": str(uuid.uuid4())}
            headers = factory.auth(world.users[role]) if role != ANONYMOUS else {}
            before = await snapshot(session)
            response = await client.request(
                case.method,
                fill(case.path, ids),
                headers=headers,
                json=fill(case.body, ids) if case.body is not None else None,
            )
            expected = 401 if role == ANONYMOUS else case.expect[role]
            label = f"{case.method} {case.path} as {role}"
            if response.status_code != expected:
                wrong.append(f"{label}: {response.status_code} != {expected} {response.text[:120]}")
                continue
            if expected == 404:
                # Never "forbidden": the caller must not learn that the conversation exists.
                assert response.json()["error"]["code"] == "conversation_not_found", label
            unchanged = await snapshot(session) == before
            if (expected >= 400 or case.method == "GET") and not unchanged:
                wrong.append(f"{label}: wrote although it answered {expected}")
            if role == OUTSIDER and expected < 400:
                hidden = {ids["mine"], ids["colleagues"], ids["resolved"]}
                if any(h in response.text for h in hidden):
                    wrong.append(f"{label}: shows a conversation of another team")
    assert wrong == [], "\n".join(wrong)


# -- socket.io, end to end through the webhook ---------------------------------------------------


async def post_webhook(base_url: str, document: dict[str, Any]) -> None:
    body = orjson.dumps(document)
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.post(
            "/webhook/whatsapp",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(body, "test-app-secret"),
            },
        )
    assert response.status_code == 200, response.text


async def wait_until(clients: list[Client], name: str, match: str) -> None:
    deadline = time.monotonic() + 10
    while not all(
        any(match in orjson.dumps(p).decode() for p in c.payloads(name)) for c in clients
    ):
        assert time.monotonic() < deadline, f"{name} {match} missing"
        await asyncio.sleep(0.01)


async def test_webhook_events_reach_only_who_may_see_the_conversation(
    server: LiveServer, connect: Connect, factory: Factory, db: Database
) -> None:
    team, other_team = await factory.team(), await factory.team()
    admin = await factory.user(role=Role.ADMIN)
    supervisor = await factory.user(role=Role.SUPERVISOR)
    agent = await factory.user(role=Role.AGENT, teams=[team])
    outsider = await factory.user(role=Role.AGENT, teams=[other_team])
    loner = await factory.user(role=Role.AGENT)
    number = await factory.number(default_team=team)
    await factory.commit()
    sockets = {
        name: await connect(server.base_url, factory.token_for(user))
        for name, user in {
            "admin": admin,
            "supervisor": supervisor,
            "agent": agent,
            "outsider": outsider,
            "loner": loner,
        }.items()
    }

    def inbound(text_: str, wamid: str) -> dict[str, Any]:
        return envelopes.text_message_envelope(
            phone_number_id=number.phone_number_id,
            display_phone_number=number.display_phone_number,
            wa_id="5511987650077",
            name="Cliente",
            text=text_,
            wamid=wamid,
        )

    await post_webhook(server.base_url, inbound("primeira", "wamid.rbac.1"))
    allowed = [sockets["admin"], sockets["supervisor"], sockets["agent"]]
    await wait_until(allowed, "message:new", "primeira")
    await asyncio.sleep(QUIET_PERIOD)
    assert sockets["outsider"].received == []
    assert sockets["loner"].received == []

    conversation_id = sockets["agent"].payloads("message:new")[0]["conversation"]["id"]
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        moved = await http.post(
            f"/api/conversations/{conversation_id}/transfer",
            headers=factory.auth(supervisor),
            json={"to_team_id": str(other_team.id)},
        )
        assert moved.status_code == 200, moved.text
    # The previous audience learns it left; the new one that it arrived.
    await wait_until(
        [sockets["agent"], sockets["outsider"]], "conversation:transferred", conversation_id
    )
    for socket in sockets.values():
        socket.received.clear()

    await post_webhook(server.base_url, inbound("segunda", "wamid.rbac.2"))
    now_allowed = [sockets["admin"], sockets["supervisor"], sockets["outsider"]]
    await wait_until(now_allowed, "message:new", "segunda")
    await asyncio.sleep(QUIET_PERIOD)
    assert sockets["agent"].received == []
    assert sockets["loner"].received == []
    async with db.session() as s:
        stored = await s.get(Conversation, uuid.UUID(conversation_id))
        assert stored is not None and stored.team_id == other_team.id
