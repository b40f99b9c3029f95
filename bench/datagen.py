"""Fills a migrated PostgreSQL database with a realistic Atende history, by COPY.

At `--scale 1`: 1,000,000 conversations and 10,000,000 messages over the last 90 days, on 20
numbers, with 300 agents (plus supervisors and admins) in 30 teams and 600,000 contacts.
Smaller scales shrink conversations, messages and contacts only.

Distributions: conversations arrive along a daily curve (busy 9:00-18:00 in São Paulo,
quieter at weekends, growing over the 90 days); numbers are Zipf-weighted; 85% of
conversations stay in their number's default team, 12% were moved to one of ten specialist
teams, 3% have none. Conversations older than two days are mostly resolved (open: 80% of
those under two days old, 15% under two weeks, 3% under eight weeks, none older); 92% of the
resolved and 55% of the open ones have an assignee, and half of the open unassigned ones were
never answered (the backlog). Messages per conversation: 1 + exponential, mean 10; 4% of
conversations begin with an automated template; the first agent reply comes after a
log-normal delay (median 4 min), later turns after a median of 45 s; 6% of messages are
images, 3% of inbound messages quote an earlier one; outbound statuses are mostly read or
delivered, 1.5% failed.

Rows are generated in worker processes (one per core) and sent with asyncpg's
`copy_records_to_table`, with foreign-key and invalidation triggers off
(`session_replication_role = replica`) and every secondary index dropped, then rebuilt from
its own definition; finally VACUUM ANALYZE. Everyone's password is `bench-password`
(hashed once with the app's hasher).

    cd apps/api && uv run python ../../bench/datagen.py --scale 0.002 --keep
"""

import argparse
import asyncio
import bisect
import json
import math
import multiprocessing
import os
import random
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from common import create_database, drop_database, migrate

FULL_CONVERSATIONS = 1_000_000
FULL_MESSAGES = 10_000_000
NUMBERS = 20
TEAMS = 30
# Teams 0-19 are the numbers' default teams; 20-29 take transferred conversations.
DEFAULT_TEAMS = NUMBERS
AGENTS = 300
SUPERVISORS = 10
ADMINS = 2
DAYS = 90
CONTACT_SHARE = 0.6
PASSWORD = "bench-password"
CHUNK = 10_000
UTC_OFFSET_HOURS = -3

KIND_TEAM, KIND_NUMBER, KIND_USER, KIND_CONTACT, KIND_CONVERSATION, KIND_MESSAGE = range(1, 7)

FIRST_NAMES = [
    "Ana",
    "Maria",
    "João",
    "José",
    "Pedro",
    "Paulo",
    "Lucas",
    "Gabriel",
    "Rafael",
    "Mariana",
    "Juliana",
    "Fernanda",
    "Camila",
    "Beatriz",
    "Larissa",
    "Bruno",
    "Carlos",
    "Eduardo",
    "Felipe",
    "Gustavo",
    "Henrique",
    "Igor",
    "Leonardo",
    "Marcelo",
    "Matheus",
    "Patrícia",
    "Renata",
    "Sandra",
    "Tatiana",
    "Vanessa",
    "Aline",
    "Bianca",
    "Carolina",
    "Daniela",
    "Débora",
    "Elaine",
    "Fábio",
    "Gisele",
    "Helena",
    "Isabela",
    "Jéssica",
    "Karina",
    "Luana",
    "Márcio",
    "Natália",
    "Otávio",
    "Priscila",
    "Raquel",
    "Sérgio",
    "Thiago",
    "Vitor",
    "Wagner",
    "Yasmin",
    "Zuleica",
    "Antônio",
    "Francisco",
    "Luiz",
    "Manoel",
    "Raimundo",
]
LAST_NAMES = [
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Costa",
    "Ribeiro",
    "Martins",
    "Carvalho",
    "Almeida",
    "Lopes",
    "Soares",
    "Fernandes",
    "Vieira",
    "Barbosa",
    "Rocha",
    "Dias",
    "Nascimento",
    "Andrade",
    "Moreira",
    "Nunes",
    "Marques",
    "Machado",
    "Mendes",
    "Freitas",
    "Cardoso",
    "Ramos",
    "Gonçalves",
    "Santana",
    "Teixeira",
    "Araújo",
    "Pinto",
    "Castro",
    "Correia",
    "Cavalcanti",
]
INBOUND_TEXTS = (
    "Oi, boa tarde",
    "Olá, preciso de ajuda com meu pedido",
    "Meu pedido ainda não chegou",
    "Qual o prazo de entrega para o CEP 01310-100?",
    "Vocês têm esse produto em estoque?",
    "Quero trocar o tamanho da camiseta",
    "Consegue me mandar a segunda via do boleto?",
    "O pagamento foi aprovado?",
    "Obrigado!",
    "Ok, vou aguardar",
    "Ainda estou esperando retorno",
    "Como faço para cancelar?",
    "Recebi o produto com defeito",
    "Pode me passar o código de rastreio?",
    "Bom dia, tudo bem?",
    "Perfeito, muito obrigada pela ajuda",
    "Não consegui acessar minha conta",
    "Vocês abrem no sábado?",
    "Qual o endereço da loja?",
    "Aceitam Pix?",
)
OUTBOUND_TEXTS = (
    "Olá! Em que posso ajudar?",
    "Claro, vou verificar para você",
    "Pode me informar o número do pedido, por favor?",
    "Seu pedido saiu para entrega hoje",
    "O prazo é de 3 a 5 dias úteis",
    "Segue a segunda via do boleto",
    "Pagamento confirmado!",
    "Já abri a solicitação de troca",
    "O código de rastreio é BR123456789BR",
    "Sim, aceitamos Pix e cartão",
    "Funcionamos de segunda a sábado, das 9h às 18h",
    "Posso ajudar em algo mais?",
    "Estou transferindo para o time responsável",
    "Obrigado pelo contato!",
    "Lamento pelo transtorno, vamos resolver",
)
TEMPLATE_TEXT = "Olá! Seu pedido foi confirmado. Responda esta mensagem se precisar de ajuda."
# Local hour of day (São Paulo) → relative arrival rate.
HOUR_WEIGHTS = (
    *(0.15, 0.1, 0.08, 0.06, 0.06, 0.1, 0.3, 0.7, 1.3, 2.0, 2.3, 2.2),
    *(1.8, 1.9, 2.2, 2.2, 2.0, 1.8, 1.4, 1.1, 0.9, 0.7, 0.45, 0.25),
)

MESSAGE_COLUMNS = [
    "id",
    "conversation_id",
    "direction",
    "wamid",
    "type",
    "text",
    "payload",
    "reply_to_wamid",
    "media_id",
    "media_mime_type",
    "media_sha256",
    "media_size",
    "media_status",
    "media_path",
    "sender_id",
    "is_automated",
    "status",
    "error_code",
    "error_title",
    "timestamp",
    "sent_at",
    "delivered_at",
    "read_at",
    "is_read_by_agent",
    "attempts",
    "created_at",
    "updated_at",
    "media_attempts",
]
CONVERSATION_COLUMNS = [
    "id",
    "number_id",
    "contact_id",
    "status",
    "assignee_id",
    "team_id",
    "last_message_id",
    "last_message_at",
    "last_inbound_at",
    "first_inbound_at",
    "first_response_at",
    "unread_count",
    "resolved_at",
    "created_at",
    "updated_at",
]


def uid(seconds: float, seq: int, kind: int) -> str:
    """A UUIDv7 (as Atende's ids): the millisecond time, then the kind and a sequence number,
    so ids are unique and time-ordered without randomness."""
    ms = int(seconds * 1000) & ((1 << 48) - 1)
    value = (ms << 80) | (0x7 << 76) | (kind << 64) | (0b10 << 62) | seq
    return f"{value:032x}"


def dt(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class Plan:
    seed: int
    conversations: int
    messages: int
    contacts: int
    now: float
    start: float

    @property
    def window_first(self) -> int:
        """Conversations from this index on each have a contact of their own (and only they
        may still be open, so no two open conversations share a number and contact)."""
        return self.conversations - self.contacts


def make_plan(scale: float, seed: int) -> Plan:
    conversations = max(100, round(FULL_CONVERSATIONS * scale))
    messages = max(conversations, round(FULL_MESSAGES * scale))
    now = float(int(time.time()))
    return Plan(
        seed=seed,
        conversations=conversations,
        messages=messages,
        contacts=max(10, round(conversations * CONTACT_SHARE)),
        now=now,
        start=now - DAYS * 86400,
    )


def hour_cdf(plan: Plan) -> list[float]:
    """Cumulative share of arrivals per hour since `plan.start` (ending a minute ago)."""
    hours = DAYS * 24
    weights = []
    for h in range(hours):
        t = plan.start + h * 3600
        local = t + UTC_OFFSET_HOURS * 3600
        weekday = int(local // 86400 + 4) % 7  # 1970-01-01 was a Thursday (0 = Monday)
        factor = 0.45 if weekday >= 5 else 1.0
        weights.append(HOUR_WEIGHTS[int(local // 3600) % 24] * factor * (0.8 + 0.4 * h / hours))
    total = sum(weights)
    cdf, running = [], 0.0
    for w in weights:
        running += w
        cdf.append(running / total)
    return cdf


def message_counts(plan: Plan) -> list[int]:
    """Messages per conversation: 1 + exponential (mean 10 at full scale), adjusted to sum to
    exactly `plan.messages`."""
    rng = random.Random(plan.seed)
    mean = plan.messages / plan.conversations
    counts = [
        min(200, 1 + int(rng.expovariate(1 / max(mean - 0.5, 0.01))))
        for _ in range(plan.conversations)
    ]
    diff = plan.messages - sum(counts)
    while diff != 0:
        i = rng.randrange(plan.conversations)
        if diff > 0 and counts[i] < 200:
            counts[i] += 1
            diff -= 1
        elif diff < 0 and counts[i] > 1:
            counts[i] -= 1
            diff += 1
    return counts


def team_members() -> dict[int, list[int]]:
    """Agent a is in team a % 30; every tenth agent is also in the next team."""
    members: dict[int, list[int]] = {t: [] for t in range(TEAMS)}
    for a in range(AGENTS):
        members[a % TEAMS].append(a)
        if a % 10 == 0:
            members[(a + 1) % TEAMS].append(a)
    return members


def user_ids(plan: Plan) -> dict[str, list[str]]:
    return {
        "agents": [uid(plan.start, a, KIND_USER) for a in range(AGENTS)],
        "supervisors": [uid(plan.start, AGENTS + s, KIND_USER) for s in range(SUPERVISORS)],
        "admins": [uid(plan.start, AGENTS + SUPERVISORS + a, KIND_USER) for a in range(ADMINS)],
    }


def wa_id(contact: int) -> str:
    return f"55{11 + contact % 89:02d}9{contact:08d}"


def contact_name(contact: int) -> str | None:
    if contact % 13 == 0:
        return None
    first = FIRST_NAMES[(contact * 7) % len(FIRST_NAMES)]
    last = LAST_NAMES[(contact * 11 // 3) % len(LAST_NAMES)]
    return f"{first} {last}"


def lognormal(rng: random.Random, median: float, sigma: float, low: float, high: float) -> float:
    return min(high, max(low, median * math.exp(rng.gauss(0.0, sigma))))


class ChunkWriter:
    """Builds the rows of conversations [first, first + len(counts))."""

    def __init__(self, plan: Plan, first: int, counts: list[int], message_seq: int) -> None:
        self.plan = plan
        self.first = first
        self.counts = counts
        self.seq = message_seq
        self.rng = random.Random(plan.seed * 1_000_003 + first)
        self.cdf = hour_cdf(plan)
        self.members = team_members()
        users = user_ids(plan)
        self.agents = users["agents"]
        self.teams = [uid(plan.start, t, KIND_TEAM) for t in range(TEAMS)]
        self.numbers = [uid(plan.start, n, KIND_NUMBER) for n in range(NUMBERS)]
        self.number_weights = [1 / (n + 1) ** 0.6 for n in range(NUMBERS)]
        self.conversations: list[tuple[Any, ...]] = []
        self.messages: list[tuple[Any, ...]] = []

    def arrival(self, i: int) -> float:
        u = (i + 0.5) / self.plan.conversations
        h = bisect.bisect_left(self.cdf, u)
        below = self.cdf[h - 1] if h else 0.0
        frac = (u - below) / max(self.cdf[h] - below, 1e-12)
        # Ends a minute before "now", so no message lands in the future.
        span = self.plan.now - 60 - self.plan.start
        return self.plan.start + min(h + frac, DAYS * 24) * 3600 * span / (DAYS * 86400)

    def build(self) -> None:
        for k, count in enumerate(self.counts):
            self.conversation(self.first + k, count)

    def conversation(self, i: int, count: int) -> None:
        rng, plan = self.rng, self.plan
        t0 = self.arrival(i)
        age = plan.now - t0
        number = rng.choices(range(NUMBERS), self.number_weights)[0]
        roll = rng.random()
        team = (
            number
            if roll < 0.85
            else (rng.randrange(DEFAULT_TEAMS, TEAMS) if roll < 0.97 else None)
        )
        if i >= plan.window_first:
            contact = i - plan.window_first
            open_share = 0.8 if age < 2 * 86400 else 0.15 if age < 14 * 86400 else 0.03
        else:
            contact = rng.randrange(plan.contacts)
            open_share = 0.0
        is_open = rng.random() < open_share
        assigned = rng.random() < (0.55 if is_open else 0.92)
        pool = self.members[team] if team is not None else range(AGENTS)
        assignee = rng.choice(pool) if assigned else None
        never_answered = is_open and not assigned and rng.random() < 0.5
        automated_start = rng.random() < 0.04
        cid = uid(t0, i, KIND_CONVERSATION)
        to = wa_id(contact)

        # Directions and times.
        directions, offsets = [], []
        offset = 0.0
        answered = False
        previous = None
        for k in range(count):
            if k == 0:
                direction = "outbound" if automated_start else "inbound"
            elif never_answered:
                direction = "inbound"
            elif previous == "inbound":
                direction = "outbound" if rng.random() < 0.6 else "inbound"
            else:
                direction = "inbound" if rng.random() < 0.6 else "outbound"
            if k:
                if direction == "outbound" and not answered:
                    offset += lognormal(rng, 240, 1.3, 5, 2 * 86400)
                else:
                    offset += lognormal(rng, 45, 1.4, 1, 4 * 3600)
            if direction == "outbound" and k:
                answered = True
            directions.append(direction)
            offsets.append(offset)
            previous = direction
        room = plan.now - 30 - t0
        if offset > room:
            offsets = [o * room / offset for o in offsets]

        sender = self.agents[assignee] if assignee is not None else self.agents[rng.choice(pool)]
        last_inbound = first_inbound = first_response = None
        last_id = ""
        last_ts = t0
        trailing = trailing_run(directions)
        unread_from = count - trailing if is_open else count
        previous_wamid = None
        for k, (direction, off) in enumerate(zip(directions, offsets, strict=True)):
            ts = t0 + off
            seq = self.seq
            self.seq += 1
            mid = uid(ts, seq, KIND_MESSAGE)
            wamid = f"wamid.HBgNNTUxMTk{seq:016X}FQIAEhgUM0E"
            automated = k == 0 and automated_start
            image = not automated and rng.random() < 0.06
            kind = "image" if image else "text"
            reply_to = None
            if direction == "inbound":
                text = None if image else INBOUND_TEXTS[rng.randrange(len(INBOUND_TEXTS))]
                if previous_wamid and rng.random() < 0.03:
                    reply_to = previous_wamid
                body = (
                    f'{{"from":"{to}","id":"{wamid}","timestamp":"{int(ts)}","type":"{kind}",'
                    + (
                        f'"image":{{"id":"{seq}","mime_type":"image/jpeg"}}}}'
                        if image
                        else f'"text":{{"body":"{text}"}}}}'
                    )
                )
                status = "received"
                sent_at = delivered_at = read_at = None
                error_code = error_title = None
                is_read = k < unread_from
                attempts = 0
                created = ts + 0.2
                updated = created
                by = None
                last_inbound = ts
                if first_inbound is None:
                    first_inbound = ts
            else:
                text = (
                    TEMPLATE_TEXT
                    if automated
                    else None
                    if image
                    else OUTBOUND_TEXTS[rng.randrange(len(OUTBOUND_TEXTS))]
                )
                body = (
                    f'{{"messaging_product":"whatsapp","recipient_type":"individual",'
                    f'"to":"{to}","type":"{kind}",'
                    + (f'"image":{{"id":"{seq}"}},' if image else f'"text":{{"body":"{text}"}},')
                    + f'"biz_opaque_callback_data":"{mid}"}}'
                )
                roll = rng.random()
                sent_at = ts + 0.3 + rng.random()
                delivered_at = read_at = None
                error_code = error_title = None
                if roll < 0.015:
                    status, error_code, error_title = "failed", 131026, "Message undeliverable"
                    updated = sent_at + 2
                elif roll < 0.04:
                    status, updated = "sent", sent_at
                else:
                    delivered_at = sent_at + 1 + 4 * rng.random()
                    if roll < 0.25:
                        status, updated = "delivered", delivered_at
                    else:
                        read_at = delivered_at + lognormal(rng, 60, 1.5, 1, 86400)
                        status, updated = "read", read_at
                updated = min(updated, plan.now)
                read_at = None if read_at is None or read_at > plan.now else read_at
                is_read = False
                attempts = 1
                created = ts
                by = None if automated else sender
                if not automated and first_response is None:
                    first_response = ts
            media = (
                (
                    f"{seq}",
                    "image/jpeg",
                    f"{seq:064x}",
                    48_000 + seq % 200_000,
                    "ready",
                    f"media/{mid[:2]}/{mid}.jpg",
                )
                if image
                else (None, None, None, None, None, None)
            )
            self.messages.append(
                (
                    mid,
                    cid,
                    direction,
                    wamid,
                    kind,
                    text,
                    body,
                    reply_to,
                    *media,
                    by,
                    automated,
                    status,
                    error_code,
                    error_title,
                    dt(ts),
                    dt(sent_at) if sent_at is not None else None,
                    dt(delivered_at)
                    if delivered_at is not None and delivered_at < plan.now
                    else None,
                    dt(read_at) if read_at is not None else None,
                    is_read,
                    attempts,
                    dt(created),
                    dt(updated),
                    0,
                )
            )
            previous_wamid = wamid
            last_id, last_ts = mid, ts
        resolved_at = None
        if not is_open:
            resolved_at = min(plan.now - 1, last_ts + lognormal(rng, 900, 1.0, 30, 86400))
        self.conversations.append(
            (
                cid,
                self.numbers[number],
                uid(plan.start, contact, KIND_CONTACT),
                "open" if is_open else "resolved",
                self.agents[assignee] if assignee is not None else None,
                self.teams[team] if team is not None else None,
                last_id,
                dt(last_ts),
                dt(last_inbound) if last_inbound is not None else None,
                dt(first_inbound) if first_inbound is not None else None,
                dt(first_response) if first_response is not None else None,
                trailing if is_open else 0,
                dt(resolved_at) if resolved_at is not None else None,
                dt(t0),
                dt(max(last_ts, resolved_at or last_ts)),
            )
        )


def trailing_run(directions: list[str]) -> int:
    """Inbound messages at the end of the thread (unread while the conversation is open)."""
    n = 0
    for direction in reversed(directions):
        if direction != "inbound":
            break
        n += 1
    return n


async def _copy(url: str, table: str, rows: list[tuple[Any, ...]], columns: list[str]) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("SET synchronous_commit = off")
        await conn.copy_records_to_table(table, records=rows, columns=columns)
    finally:
        await conn.close()


def _chunk_job(job: tuple[str, dict[str, Any], int, list[int], int]) -> tuple[int, int]:
    url, plan_fields, first, counts, message_seq = job
    writer = ChunkWriter(Plan(**plan_fields), first, counts, message_seq)
    writer.build()

    async def copy() -> None:
        await asyncio.gather(
            _copy(url, "conversations", writer.conversations, CONVERSATION_COLUMNS),
            _copy(url, "messages", writer.messages, MESSAGE_COLUMNS),
        )

    asyncio.run(copy())
    return len(writer.conversations), len(writer.messages)


async def _secondary_indexes(conn: asyncpg.Connection, tables: list[str]) -> list[tuple[str, str]]:
    """(drop, create) statements of every secondary index and unique constraint of `tables`
    (and of the messages primary key, which no foreign key references)."""
    rows = await conn.fetch(
        "SELECT c.relname AS tbl, i.indexrelid::regclass::text AS name,"
        " pg_get_indexdef(i.indexrelid) AS indexdef, con.conname,"
        " pg_get_constraintdef(con.oid) AS condef, i.indisprimary"
        " FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
        " LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = c.oid"
        " WHERE c.relname = ANY($1::text[])",
        tables,
    )
    statements = []
    for row in rows:
        if row["indisprimary"] and row["tbl"] != "messages":
            continue
        if row["conname"]:
            statements.append(
                (
                    f'ALTER TABLE {row["tbl"]} DROP CONSTRAINT "{row["conname"]}"',
                    f'ALTER TABLE {row["tbl"]} ADD CONSTRAINT "{row["conname"]}" {row["condef"]}',
                )
            )
        else:
            statements.append((f'DROP INDEX "{row["name"]}"', row["indexdef"]))
    return statements


async def _load_small(url: str, plan: Plan, password_hash: str) -> dict[str, Any]:
    now = dt(plan.now)
    users = user_ids(plan)
    members = team_members()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SET session_replication_role = replica")
        teams = [uid(plan.start, t, KIND_TEAM) for t in range(TEAMS)]
        await conn.copy_records_to_table(
            "teams",
            records=[(teams[t], f"Time {t + 1:02d}", now) for t in range(TEAMS)],
            columns=["id", "name", "created_at"],
        )
        numbers = [uid(plan.start, n, KIND_NUMBER) for n in range(NUMBERS)]
        await conn.copy_records_to_table(
            "numbers",
            records=[
                (
                    numbers[n],
                    f"10{n + 1:013d}",
                    f"5511400{n:06d}",
                    f"Loja {n + 1:02d}",
                    teams[n],
                    False,
                    True,
                    now,
                    now,
                )
                for n in range(NUMBERS)
            ],
            columns=[
                "id",
                "phone_number_id",
                "display_phone_number",
                "label",
                "default_team_id",
                "is_simulated",
                "is_active",
                "created_at",
                "updated_at",
            ],
        )
        user_rows = []
        for role, key in (("AGENT", "agents"), ("SUPERVISOR", "supervisors"), ("ADMIN", "admins")):
            for k, user in enumerate(users[key]):
                email = f"{role.lower()}{k}@bench.test"
                name = f"{FIRST_NAMES[k % len(FIRST_NAMES)]} {role.title()} {k}"
                user_rows.append((user, email, name, password_hash, role, True, now, now))
        await conn.copy_records_to_table(
            "users",
            records=user_rows,
            columns=[
                "id",
                "email",
                "name",
                "password_hash",
                "role",
                "is_active",
                "created_at",
                "updated_at",
            ],
        )
        memberships = [
            (teams[t], users["agents"][a]) for t, agents in members.items() for a in agents
        ]
        memberships += [(teams[s % TEAMS], sup) for s, sup in enumerate(users["supervisors"])]
        await conn.copy_records_to_table(
            "team_members", records=memberships, columns=["team_id", "user_id"]
        )
        contacts = []
        span = plan.now - plan.start
        for c in range(plan.contacts):
            created = dt(plan.start + span * c / plan.contacts)
            contacts.append(
                (uid(plan.start, c, KIND_CONTACT), wa_id(c), contact_name(c), created, created)
            )
        await conn.copy_records_to_table(
            "contacts",
            records=contacts,
            columns=["id", "wa_id", "name", "created_at", "updated_at"],
        )
    finally:
        await conn.close()
    return {
        "password": PASSWORD,
        "agent": {"email": "agent0@bench.test", "id": users["agents"][0]},
        "supervisor": {"email": "supervisor0@bench.test", "id": users["supervisors"][0]},
        "admin": {"email": "admin0@bench.test", "id": users["admins"][0]},
        "numbers": numbers,
        "teams": teams,
    }


async def _prepare(url: str, plan: Plan) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    from atende.core.security import hash_password

    conn = await asyncpg.connect(url)
    try:
        indexes = await _secondary_indexes(conn, ["messages", "conversations", "contacts"])
        for drop, _ in indexes:
            await conn.execute(drop)
    finally:
        await conn.close()
    summary = await _load_small(url, plan, hash_password(PASSWORD))
    return indexes, summary


async def _finish(url: str, indexes: list[tuple[str, str]], summary: dict[str, Any]) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SET maintenance_work_mem = '512MB'")
        for _, create in indexes:
            await conn.execute(create)
        await conn.execute("CREATE TABLE bench_datagen (summary jsonb NOT NULL)")
        await conn.execute("INSERT INTO bench_datagen VALUES ($1)", json.dumps(summary))
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()


def generate(url: str, scale: float, seed: int = 1, processes: int | None = None) -> dict[str, Any]:
    """Fills the migrated, empty database at `url`; returns a summary (log-ins, counts)."""
    plan = make_plan(scale, seed)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    indexes, summary = asyncio.run(_prepare(url, plan))
    timings["small_tables_s"] = round(time.perf_counter() - started, 1)

    counts = message_counts(plan)
    jobs = []
    seq = 0
    for first in range(0, plan.conversations, CHUNK):
        chunk = counts[first : first + CHUNK]
        jobs.append((url, asdict(plan), first, chunk, seq))
        seq += sum(chunk)
    step = time.perf_counter()
    workers = processes or min(len(jobs), os.cpu_count() or 1)
    conversations = messages = 0
    if workers == 1:
        for job in jobs:
            c, m = _chunk_job(job)
            conversations, messages = conversations + c, messages + m
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            for c, m in pool.imap_unordered(_chunk_job, jobs):
                conversations, messages = conversations + c, messages + m
    timings["copy_s"] = round(time.perf_counter() - step, 1)

    step = time.perf_counter()
    summary.update(
        scale=scale,
        seed=seed,
        conversations=conversations,
        messages=messages,
        contacts=plan.contacts,
        numbers_count=NUMBERS,
        teams_count=TEAMS,
        agents=AGENTS,
        generated_at=plan.now,
    )
    asyncio.run(_finish(url, indexes, summary))
    timings["indexes_vacuum_s"] = round(time.perf_counter() - step, 1)
    timings["total_s"] = round(time.perf_counter() - started, 1)
    summary["timings"] = timings
    return summary


async def read_summary(url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        summary: dict[str, Any] = json.loads(
            await conn.fetchval("SELECT summary FROM bench_datagen")
        )
    finally:
        await conn.close()
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1 M conversations")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--processes", type=int, default=None, help="generator processes")
    parser.add_argument("--keep", action="store_true", help="keep the database (else dropped)")
    args = parser.parse_args()
    url = asyncio.run(create_database("atende_bench_data"))
    try:
        migrate(url)
        summary = generate(url, args.scale, args.seed, args.processes)
        sys.stderr.write(f"{json.dumps(summary['timings'])}\n")
    finally:
        if args.keep:
            sys.stderr.write(f"kept {url}\n")
        else:
            asyncio.run(drop_database(url))
    print(json.dumps({k: v for k, v in summary.items() if k not in ("numbers", "teams")}))


if __name__ == "__main__":
    main()
