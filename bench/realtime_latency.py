"""Realtime latency: signed webhook POST → `message:new` at every connected agent's socket.

Starts Atende itself (PostgreSQL + Redis by default, or the embedded SQLite mode), connects
`--clients` agents of the number's team over socket.io (websocket transport), posts
`--messages` signed inbound text messages at `--rate` per second (open loop: each POST is
due at its scheduled time, so a slow server is not hidden), and measures for every
(agent, message) pair the time from the POST leaving to the event arriving. With
`--processes 2` the agents are split across two server processes and the POSTs all go to
the first, so half of the deliveries cross Redis.

    cd apps/api && uv run python ../../bench/realtime_latency.py --clients 5 --messages 50
"""

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import socketio
from atende.core.db import Database
from atende.core.security import create_access_token
from atende.numbers.models import Number
from atende.teams.models import Team, TeamMember
from atende.users.models import Role, User
from atende.whatsapp.envelopes import dumps, new_wamid, text_message_envelope
from atende.whatsapp.signature import sign
from redis.asyncio import Redis

from common import (
    APP_SECRET,
    JWT_SECRET,
    REDIS_URL,
    Server,
    create_database,
    drop_database,
    migrate,
    percentile,
    start_uvicorn,
    write_result,
)

PHONE_NUMBER_ID = "900000000000777"
DISPLAY = "5511900000777"
CONTACTS = 20


@dataclass
class Tally:
    """Counts deliveries over all agents and signals when every expected one has arrived."""

    expected: int | None = None
    delivered: int = 0
    complete: asyncio.Event = field(default_factory=asyncio.Event)

    def check(self) -> None:
        if self.expected is not None and self.delivered >= self.expected:
            self.complete.set()


@dataclass
class Agent:
    token: str
    sio: socketio.AsyncClient = field(
        default_factory=lambda: socketio.AsyncClient(reconnection=False)
    )
    # wamid → perf_counter() at arrival
    arrivals: dict[str, float] = field(default_factory=dict)


async def seed(url: str, clients: int) -> list[str]:
    """A team, its number and `clients` agents in it; returns the agents' access tokens."""
    db = Database(url)
    try:
        async with db.session() as session:
            team = Team(name="Bench team")
            session.add(team)
            await session.flush()
            session.add(
                Number(
                    phone_number_id=PHONE_NUMBER_ID,
                    display_phone_number=DISPLAY,
                    label="Bench",
                    default_team_id=team.id,
                )
            )
            users = [
                User(
                    email=f"agent{i}@bench.test",
                    name=f"Agent {i}",
                    password_hash="-",
                    role=Role.AGENT,
                )
                for i in range(clients)
            ]
            session.add_all(users)
            await session.flush()
            session.add_all(TeamMember(team_id=team.id, user_id=u.id) for u in users)
            await session.commit()
            return [
                create_access_token(secret=JWT_SECRET, user_id=u.id, role=u.role, minutes=240)
                for u in users
            ]
    finally:
        await db.dispose()


async def connect(agent: Agent, base_url: str, tally: Tally) -> None:
    async def on_message_new(data: dict[str, Any]) -> None:
        arrived = time.perf_counter()
        wamid = (data.get("message") or {}).get("wamid")
        if wamid and wamid not in agent.arrivals:
            agent.arrivals[wamid] = arrived
            tally.delivered += 1
            tally.check()

    agent.sio.on("message:new", on_message_new)
    await agent.sio.connect(
        base_url, auth={"token": agent.token}, transports=["websocket"], wait_timeout=10
    )


async def post_messages(
    base_url: str, count: int, rate: float
) -> tuple[dict[str, float], list[float], dict[int, int]]:
    """Posts `count` signed envelopes; returns send time per wamid, ack latencies, statuses."""
    sent: dict[str, float] = {}
    acks: list[float] = []
    statuses: dict[int, int] = {}
    bodies = []
    for i in range(count):
        wamid = new_wamid()
        body = dumps(
            text_message_envelope(
                phone_number_id=PHONE_NUMBER_ID,
                display_phone_number=DISPLAY,
                wa_id=f"5511{800000000 + i % CONTACTS:09d}",
                name=f"Customer {i % CONTACTS}",
                text=f"bench message {i}",
                wamid=wamid,
            )
        )
        bodies.append((wamid, body, sign(body, APP_SECRET)))

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:

        async def one(wamid: str, body: bytes, signature: str, due: float) -> None:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            started = time.perf_counter()
            sent[wamid] = started
            response = await http.post(
                "/webhook/whatsapp",
                content=body,
                headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
            )
            acks.append((time.perf_counter() - started) * 1000)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        start = time.perf_counter() + 0.1
        interval = 1 / rate if rate > 0 else 0.0
        await asyncio.gather(
            *(one(w, b, s, start + i * interval) for i, (w, b, s) in enumerate(bodies))
        )
    return sent, acks, statuses


async def wait_for_deliveries(tally: "Tally", expected: int, within: float) -> None:
    tally.expected = expected
    tally.check()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(tally.complete.wait(), within)


async def wait_for_subscribers(channel: str, count: int) -> None:
    """Each server's Redis listener subscribes in the background after its first socket."""
    client = Redis.from_url(REDIS_URL)
    try:
        for _ in range(500):
            [(_, subscribers)] = await client.pubsub_numsub(channel)
            if subscribers >= count:
                return
            await asyncio.sleep(0.02)
        raise RuntimeError(f"only {subscribers} of {count} servers subscribed to Redis")
    finally:
        await client.aclose()


def ms(values: list[float], q: float) -> float | None:
    return round(percentile(values, q), 2) if values else None


def start_servers(processes: int, env: dict[str, str]) -> list[Server]:
    return [
        start_uvicorn("atende.main:create_default_app", factory=True, env=env)
        for _ in range(processes)
    ]


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    use_redis = args.backend == "postgresql" and not args.no_redis
    if args.processes > 1 and not use_redis:
        raise SystemExit("--processes > 1 needs PostgreSQL and Redis")
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend == "postgresql":
            url = (await create_database("atende_bench_rt")).replace(
                "postgresql://", "postgresql+asyncpg://", 1
            )
        else:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        try:
            await asyncio.to_thread(migrate, url)
            tokens = await seed(url, args.clients)
            env = {
                "DATABASE_URL": url,
                "WHATSAPP_APP_SECRET": APP_SECRET,
                "JWT_SECRET": JWT_SECRET,
                "EMBEDDED_WORKER": "false",
                "LOG_LEVEL": "WARNING",
                "DATA_DIR": tmp,
                "REALTIME_CHANNEL": f"atende-bench-{uuid.uuid4().hex[:8]}",
            }
            # Set either way, so a REDIS_URL in the caller's environment does not leak in.
            env["REDIS_URL"] = REDIS_URL if use_redis else ""
            servers = start_servers(args.processes, env)
            agents = [Agent(token) for token in tokens]
            tally = Tally()
            try:
                for i, agent in enumerate(agents):
                    await connect(agent, servers[i % len(servers)].base_url, tally)
                if use_redis:
                    await wait_for_subscribers(env["REALTIME_CHANNEL"], len(servers))
                sent, acks, statuses = await post_messages(
                    servers[0].base_url, args.messages, args.rate
                )
                expected = len(sent) * len(agents)
                await wait_for_deliveries(tally, expected, args.timeout)
            finally:
                for agent in agents:
                    if agent.sio.connected:
                        await agent.sio.disconnect()
                for server in servers:
                    server.stop()
        finally:
            if args.backend == "postgresql":
                await drop_database(url.replace("postgresql+asyncpg://", "postgresql://", 1))

    latencies = [
        (agent.arrivals[w] - t0) * 1000
        for agent in agents
        for w, t0 in sent.items()
        if w in agent.arrivals
    ]
    # How long one message takes to reach every socket once the first has it: the fan-out.
    spreads = [
        (max(arrived) - min(arrived)) * 1000
        for w in sent
        if (arrived := [a.arrivals[w] for a in agents if w in a.arrivals])
    ]
    return {
        "benchmark": "realtime_latency",
        "backend": args.backend,
        "redis": use_redis,
        "processes": args.processes,
        "clients": args.clients,
        "messages": args.messages,
        "rate_per_s": args.rate,
        "webhook_statuses": statuses,
        "deliveries": len(latencies),
        "expected_deliveries": expected,
        "delivery_p50_ms": ms(latencies, 0.50),
        "delivery_p99_ms": ms(latencies, 0.99),
        "delivery_max_ms": ms(latencies, 1.0),
        "fanout_spread_p50_ms": ms(spreads, 0.50),
        "fanout_spread_p99_ms": ms(spreads, 0.99),
        "ack_p50_ms": ms(acks, 0.50),
        "ack_p99_ms": ms(acks, 0.99),
    }


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50, help="connected agents (default 50)")
    parser.add_argument("--messages", type=int, default=500, help="webhook POSTs (default 500)")
    parser.add_argument(
        "--rate", type=float, default=20.0, help="POSTs per second; 0 = all at once"
    )
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--no-redis", action="store_true", help="PostgreSQL without Redis")
    parser.add_argument(
        "--processes", type=int, default=1, help="server processes (2 = across Redis)"
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for stragglers"
    )
    args = parser.parse_args()
    os.chdir(Path(__file__).resolve().parent)
    result = asyncio.run(bench(args))
    path = write_result("realtime_latency", result)
    sys.stderr.write(
        f"realtime {result['backend']}{' + redis' if result['redis'] else ''}, "
        f"{result['processes']} process(es), {result['clients']} clients, "
        f"{result['messages']} messages @ {result['rate_per_s']}/s: "
        f"delivered {result['deliveries']}/{result['expected_deliveries']}, "
        f"p50 {result['delivery_p50_ms']} ms, p99 {result['delivery_p99_ms']} ms "
        f"(fan-out spread p50 {result['fanout_spread_p50_ms']} ms, "
        f"p99 {result['fanout_spread_p99_ms']} ms) "
        f"(webhook ack p50 {result['ack_p50_ms']} ms, p99 {result['ack_p99_ms']} ms)\n"
        f"written to {path}\n"
    )
    return result


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main()) + "\n")
