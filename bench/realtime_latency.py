"""Realtime latency: signed webhook POST → `message:new` at every agent's socket that may
see it.

Starts Atende itself (PostgreSQL + Redis by default, or the embedded SQLite mode) or the
floor (`floors/realtime_floor.py`, a bare python-socketio app), connects `--clients` agents
spread over `--teams` teams (every fifth agent is in two teams) over socket.io (websocket
transport), and posts `--messages` signed inbound text messages at `--rate` per second,
round-robin over the teams' numbers (open loop: each POST is due at its scheduled time, so a
slow server is not hidden). For every (agent, message of one of the agent's teams) pair it
measures the time from the POST leaving to the event arriving; an event reaching an agent
outside the message's team is counted as a leak. With `--processes 2` the agents are split
across two server processes and the POSTs all go to the first, so half of the deliveries
cross Redis.

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
from urllib.parse import urlparse

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
    run_fast,
    start_uvicorn,
    write_result,
)
from loadgen import read_response

CONTACTS = 20
CONNECT_CONCURRENCY = 20
POST_CONNECTIONS = 64


def phone_number_id(team: int) -> str:
    return f"9000000007{team:05d}"


def display_number(team: int) -> str:
    return f"55119{team:08d}"


def teams_of(agent: int, teams: int) -> frozenset[int]:
    """Agent i is in team i % teams; every fifth agent is also in the next team."""
    own = {agent % teams}
    if agent % 5 == 0 and teams > 1:
        own.add((agent + 1) % teams)
    return frozenset(own)


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
    teams: frozenset[int]
    sio: socketio.AsyncClient = field(
        default_factory=lambda: socketio.AsyncClient(reconnection=False)
    )
    # wamid → perf_counter() at arrival
    arrivals: dict[str, float] = field(default_factory=dict)
    duplicates: int = 0
    # Size of the first event received, as JSON.
    event_bytes: int | None = None


async def seed(url: str, memberships: list[frozenset[int]], teams: int) -> list[str]:
    """`teams` teams, each the default team of its own number, and one agent per entry of
    `memberships` in those teams; returns the agents' access tokens."""
    db = Database(url)
    try:
        async with db.session() as session:
            team_rows = [Team(name=f"Bench team {t}") for t in range(teams)]
            session.add_all(team_rows)
            await session.flush()
            session.add_all(
                Number(
                    phone_number_id=phone_number_id(t),
                    display_phone_number=display_number(t),
                    label=f"Bench {t}",
                    default_team_id=team.id,
                )
                for t, team in enumerate(team_rows)
            )
            users = [
                User(
                    email=f"agent{i}@bench.test",
                    name=f"Agent {i}",
                    password_hash="-",
                    role=Role.AGENT,
                )
                for i in range(len(memberships))
            ]
            session.add_all(users)
            await session.flush()
            session.add_all(
                TeamMember(team_id=team_rows[t].id, user_id=u.id)
                for u, member_of in zip(users, memberships, strict=True)
                for t in member_of
            )
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
        if not wamid:
            return
        if agent.event_bytes is None:
            agent.event_bytes = len(json.dumps(data))
        if wamid in agent.arrivals:
            agent.duplicates += 1
            return
        agent.arrivals[wamid] = arrived
        tally.delivered += 1
        tally.check()

    agent.sio.on("message:new", on_message_new)
    await agent.sio.connect(
        base_url, auth={"token": agent.token}, transports=["websocket"], wait_timeout=10
    )


async def connect_all(agents: list[Agent], servers: list[Server], tally: Tally) -> None:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(i: int, agent: Agent) -> None:
        async with gate:
            await connect(agent, servers[i % len(servers)].base_url, tally)

    await asyncio.gather(*(one(i, a) for i, a in enumerate(agents)))


async def post_messages(
    base_url: str, count: int, rate: float, teams: int
) -> tuple[dict[str, tuple[float, int]], list[float], dict[int, int]]:
    """Posts `count` signed envelopes, message i to team i % teams's number, over
    `POST_CONNECTIONS` keep-alive connections; returns the due time and team per wamid, the
    ack latencies and the status counts. Times run from each POST's due time, so a POST
    that waits for a free connection is not hidden."""
    url = urlparse(base_url)
    sent: dict[str, tuple[float, int]] = {}
    acks: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[tuple[float, str, int, bytes]] = asyncio.Queue()
    start = time.perf_counter() + 0.2
    interval = 1 / rate if rate > 0 else 0.0
    for i in range(count):
        team = i % teams
        wamid = new_wamid()
        contact = (i // teams) % CONTACTS
        body = dumps(
            text_message_envelope(
                phone_number_id=phone_number_id(team),
                display_phone_number=display_number(team),
                wa_id=f"55118{team:04d}{contact:04d}",
                name=f"Customer {team}-{contact}",
                text=f"bench message {i}",
                wamid=wamid,
            )
        )
        head = (
            f"POST /webhook/whatsapp HTTP/1.1\r\nHost: {url.hostname}\r\n"
            "Content-Type: application/json\r\n"
            f"X-Hub-Signature-256: {sign(body, APP_SECRET)}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        queue.put_nowait((start + i * interval, wamid, team, head + body))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        try:
            while not queue.empty():
                due, wamid, team, raw = queue.get_nowait()
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                sent[wamid] = (due, team)
                for attempt in range(2):
                    try:
                        writer.write(raw)
                        status = await read_response(reader)
                        break
                    except (asyncio.IncompleteReadError, ConnectionError):
                        # The server closed an idle keep-alive connection: once more.
                        writer.close()
                        reader, writer = await asyncio.open_connection(url.hostname, url.port)
                        status = -1
                        if attempt:
                            raise
                acks.append((time.perf_counter() - due) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(min(POST_CONNECTIONS, count))))
    return sent, acks, statuses


async def wait_for_deliveries(tally: Tally, expected: int, within: float) -> None:
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


async def run_clients(
    args: argparse.Namespace, servers: list[Server], agents: list[Agent], channel: str | None
) -> dict[str, Any]:
    tally = Tally()
    try:
        await connect_all(agents, servers, tally)
        if channel is not None:
            await wait_for_subscribers(channel, len(servers))
        sent, acks, statuses = await post_messages(
            servers[0].base_url, args.messages, args.rate, args.teams
        )
        members = [sum(1 for a in agents if t in a.teams) for t in range(args.teams)]
        expected = sum(members[team] for _, team in sent.values())
        await wait_for_deliveries(tally, expected, args.timeout)
    finally:
        for agent in agents:
            if agent.sio.connected:
                await agent.sio.disconnect()

    latencies = [
        (agent.arrivals[w] - t0) * 1000
        for agent in agents
        for w, (t0, team) in sent.items()
        if team in agent.teams and w in agent.arrivals
    ]
    leaks = sum(
        1
        for agent in agents
        for w in agent.arrivals
        if w not in sent or sent[w][1] not in agent.teams
    )
    # How long one message takes to reach every socket once the first has it: the fan-out.
    spreads = [
        (max(arrived) - min(arrived)) * 1000
        for w in sent
        if (arrived := [a.arrivals[w] for a in agents if w in a.arrivals])
    ]
    return {
        "webhook_statuses": statuses,
        "deliveries": len(latencies),
        "expected_deliveries": expected,
        "leaked_deliveries": leaks,
        "duplicate_deliveries": sum(a.duplicates for a in agents),
        "event_bytes": max((a.event_bytes or 0 for a in agents), default=0),
        "delivery_p50_ms": ms(latencies, 0.50),
        "delivery_p99_ms": ms(latencies, 0.99),
        "delivery_max_ms": ms(latencies, 1.0),
        "fanout_spread_p50_ms": ms(spreads, 0.50),
        "fanout_spread_p99_ms": ms(spreads, 0.99),
        "ack_p50_ms": ms(acks, 0.50),
        "ack_p99_ms": ms(acks, 0.99),
    }


async def bench_atende(args: argparse.Namespace, use_redis: bool) -> dict[str, Any]:
    memberships = [teams_of(i, args.teams) for i in range(args.clients)]
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend == "postgresql":
            url = (await create_database("atende_bench_rt")).replace(
                "postgresql://", "postgresql+asyncpg://", 1
            )
        else:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        try:
            await asyncio.to_thread(migrate, url)
            tokens = await seed(url, memberships, args.teams)
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
            servers = [
                start_uvicorn("atende.main:create_default_app", factory=True, env=env)
                for _ in range(args.processes)
            ]
            agents = [Agent(t, m) for t, m in zip(tokens, memberships, strict=True)]
            try:
                channel = env["REALTIME_CHANNEL"] if use_redis else None
                return await run_clients(args, servers, agents, channel)
            finally:
                for server in servers:
                    server.stop()
        finally:
            if args.backend == "postgresql":
                await drop_database(url.replace("postgresql+asyncpg://", "postgresql://", 1))


async def bench_floor(args: argparse.Namespace, use_redis: bool) -> dict[str, Any]:
    memberships = [teams_of(i, args.teams) for i in range(args.clients)]
    channel = f"floor-bench-{uuid.uuid4().hex[:8]}"
    env = {"FLOOR_REDIS_URL": REDIS_URL if use_redis else "", "FLOOR_CHANNEL": channel}
    servers = [start_uvicorn("floors.realtime_floor:app", env=env) for _ in range(args.processes)]
    agents = [Agent(",".join(phone_number_id(t) for t in sorted(m)), m) for m in memberships]
    try:
        return await run_clients(args, servers, agents, channel if use_redis else None)
    finally:
        for server in servers:
            server.stop()


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    use_redis = (args.target == "floor" or args.backend == "postgresql") and not args.no_redis
    if args.processes > 1 and not use_redis:
        raise SystemExit("--processes > 1 needs Redis")
    if args.target == "floor":
        figures = await bench_floor(args, use_redis)
    else:
        figures = await bench_atende(args, use_redis)
    return {
        "benchmark": "realtime_latency",
        "target": args.target,
        "backend": args.backend if args.target == "atende" else None,
        "redis": use_redis,
        "processes": args.processes,
        "clients": args.clients,
        "teams": args.teams,
        "messages": args.messages,
        "rate_per_s": args.rate,
        **figures,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50, help="connected agents (default 50)")
    parser.add_argument("--teams", type=int, default=5, help="teams, one number each (default 5)")
    parser.add_argument("--messages", type=int, default=500, help="webhook POSTs (default 500)")
    parser.add_argument(
        "--rate", type=float, default=20.0, help="POSTs per second; 0 = all at once"
    )
    parser.add_argument(
        "--target", choices=("atende", "floor"), default="atende", help="server to measure"
    )
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--no-redis", action="store_true", help="in-process fan-out only")
    parser.add_argument(
        "--processes", type=int, default=1, help="server processes (2 = across Redis)"
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for stragglers"
    )
    args = parser.parse_args(argv)
    if args.teams < 1 or args.clients < args.teams:
        parser.error("need at least one team and one agent per team")
    return args


def describe(result: dict[str, Any]) -> str:
    if result["target"] == "floor":
        server = f"floor{' + redis' if result['redis'] else ''}"
    else:
        server = f"atende {result['backend']}{' + redis' if result['redis'] else ''}"
    return (
        f"realtime {server}, {result['processes']} process(es), {result['clients']} clients "
        f"in {result['teams']} teams, {result['messages']} messages @ {result['rate_per_s']}/s: "
        f"delivered {result['deliveries']}/{result['expected_deliveries']} "
        f"(leaked {result['leaked_deliveries']}, duplicates {result['duplicate_deliveries']}), "
        f"p50 {result['delivery_p50_ms']} ms, p99 {result['delivery_p99_ms']} ms "
        f"(fan-out spread p50 {result['fanout_spread_p50_ms']} ms, "
        f"p99 {result['fanout_spread_p99_ms']} ms) "
        f"(webhook ack p50 {result['ack_p50_ms']} ms, p99 {result['ack_p99_ms']} ms)"
    )


def measure(argv: list[str]) -> dict[str, Any]:
    """One run with these command-line flags; returns the figures (used by run.py)."""
    os.chdir(Path(__file__).resolve().parent)
    result: dict[str, Any] = run_fast(bench(parse_args(argv)))
    sys.stderr.write(describe(result) + "\n")
    return result


def main() -> dict[str, Any]:
    result = measure(sys.argv[1:])
    path = write_result("realtime_latency", result)
    sys.stderr.write(f"written to {path}\n")
    return result


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main()) + "\n")
