"""Queries at scale: inbox pages, thread pages and the dashboard over HTTP on a large database.

Generates the database with `datagen.py` (1 M conversations and 10 M messages at `--scale 1`)
in a throwaway PostgreSQL database, starts Atende (one uvicorn process, PostgreSQL + Redis),
logs in as an agent, a supervisor and an admin, and times each request in turn on one
keep-alive connection: inbox views (mine/team/unassigned/all) with status, number and search
filters, thread pages, and the dashboard for 24 hours and 30 days, cold (the 15-minute
volume cache emptied before each request) and warm.

The floor of each query is the SQL the request sends, captured beforehand from the same app
run in-process and replayed on one asyncpg connection inside one transaction (so `SET LOCAL`
applies), with nothing around it: no HTTP, no ORM, no JSON. Each query's HTTP samples, floor
samples and plans are taken back to back, so both see the same load on the machine.
`EXPLAIN (ANALYZE, BUFFERS)` of every captured statement goes to
`bench/results/queries-explain-*.txt`.

    cd apps/api && uv run python ../../bench/queries.py --scale 0.002        # seconds
    uv run python ../../bench/queries.py --keep                               # full, keep DB
    uv run python ../../bench/queries.py --database atende_bench_data_1234abcd  # reuse it
"""

import argparse
import asyncio
import contextlib
import os
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx

import datagen
from common import (
    JWT_SECRET,
    PG_ADMIN_URL,
    REDIS_URL,
    RESULTS_DIR,
    create_database,
    drop_database,
    migrate,
    percentile,
    start_uvicorn,
    write_result,
)

TZ = "America/Sao_Paulo"
INBOX_TARGET_MS = 30.0
THREAD_TARGET_MS = 20.0
DASHBOARD_TARGETS_MS = {"24 h": 150.0, "30 days": 500.0}
# A query stops being repeated after this long (a slow one still gets MIN_SAMPLES).
QUERY_BUDGET_S = 20.0
MIN_SAMPLES = 5


@dataclass
class Query:
    name: str
    kind: str  # inbox | thread | dashboard
    role: str  # agent | supervisor | admin
    paths: list[str]
    target_ms: float
    cold: bool = False
    samples: list[float] = field(default_factory=list)
    floor_samples: list[float] = field(default_factory=list)
    # Per path: the statements the request sent, (sql, params).
    captured: list[list[tuple[str, tuple[Any, ...]]]] = field(default_factory=list)


def ms(values: list[float], q: float) -> float | None:
    return round(percentile(values, q), 2) if values else None


async def login(http: httpx.AsyncClient, email: str, password: str) -> str:
    response = await http.post("/api/auth/login", json={"email": email, "password": password})
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


async def choose(url: str, summary: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Realistic parameters: a busy and a quiet number, a contact's phone digits, and the
    conversations whose threads are opened."""
    conn = await asyncpg.connect(url)
    try:
        agent_id = summary["agent"]["id"]
        own = await conn.fetch(
            "SELECT id FROM conversations WHERE assignee_id = $1::uuid"
            " ORDER BY last_message_at DESC LIMIT 200",
            agent_id,
        )
        total = await conn.fetchval("SELECT count(*) FROM conversations")
        share = min(100.0, 100.0 * 400 / max(total, 1))
        sample = [
            r["id"]
            for r in await conn.fetch(
                f"SELECT id FROM conversations TABLESAMPLE BERNOULLI ({share:.6f})"
                f" REPEATABLE ({rng.randrange(1 << 30)}) LIMIT 50"
            )
        ]
        phone = await conn.fetchval(
            "SELECT ct.wa_id FROM conversations c JOIN contacts ct ON ct.id = c.contact_id"
            " JOIN team_members tm ON tm.team_id = c.team_id AND tm.user_id = $1::uuid"
            " ORDER BY c.last_message_at DESC OFFSET 500 LIMIT 1",
            agent_id,
        )
    finally:
        await conn.close()
    rng.shuffle(own)
    return {
        "own": [str(r["id"]) for r in own[:50]] or [str(sample[0])],
        "any": [str(s) for s in sample],
        "phone_digits": (phone or "5511900000001")[-8:],
    }


def build_queries(summary: dict[str, Any], picks: dict[str, Any], now: datetime) -> list[Query]:
    busy, quiet = summary["numbers"][0], summary["numbers"][7]

    def inbox(name: str, role: str, **params: str) -> Query:
        return Query(
            name, "inbox", role, [f"/api/conversations?{urlencode(params)}"], INBOX_TARGET_MS
        )

    queries = [
        inbox("inbox mine", "agent", view="mine"),
        inbox("inbox mine, open", "agent", view="mine", status="open"),
        inbox("inbox team", "agent", view="team"),
        inbox("inbox team, open", "agent", view="team", status="open"),
        inbox("inbox team, busiest number", "agent", view="team", number_id=busy),
        inbox("inbox unassigned", "agent", view="unassigned"),
        inbox("inbox unassigned", "supervisor", view="unassigned"),
        inbox("inbox all", "admin", view="all"),
        inbox("inbox all, open", "supervisor", view="all", status="open"),
        inbox(
            "inbox all, resolved, one number",
            "admin",
            view="all",
            status="resolved",
            number_id=quiet,
        ),
        inbox("inbox all, search name", "admin", view="all", q="Silva"),
        inbox("inbox team, search phone", "agent", view="team", q=picks["phone_digits"]),
        Query(
            "thread page (own conversations)",
            "thread",
            "agent",
            [f"/api/conversations/{c}/messages" for c in picks["own"]],
            THREAD_TARGET_MS,
        ),
        Query(
            "thread page (any conversation)",
            "thread",
            "admin",
            [f"/api/conversations/{c}/messages" for c in picks["any"]],
            THREAD_TARGET_MS,
        ),
    ]
    month = urlencode(
        {"from": (now - timedelta(days=30)).isoformat(), "to": now.isoformat(), "tz": TZ}
    )
    for label, path in (
        ("24 h", f"/api/dashboard?tz={TZ}"),
        ("30 days", f"/api/dashboard?{month}"),
    ):
        target = DASHBOARD_TARGETS_MS[label]
        for cold in (True, False):
            state = "cold" if cold else "warm"
            queries.append(
                Query(f"dashboard {label}, {state}", "dashboard", "admin", [path], target, cold)
            )
    queries.append(
        Query("dashboard 24 h, warm", "dashboard", "agent", [f"/api/dashboard?tz={TZ}"], 150.0)
    )
    return queries


async def settle_cache(conn: asyncpg.Connection) -> None:
    """VACUUM (ANALYZE) the volume cache tables, as autovacuum would between two cold runs:
    the rows that earlier cold runs deleted (or rolled back) would otherwise still be read
    through the index by the next dashboard."""
    await conn.execute("VACUUM (ANALYZE) volume_slots, message_volume")


async def clear_volume_cache(conn: asyncpg.Connection) -> None:
    await conn.execute("DELETE FROM volume_slots")
    await settle_cache(conn)


async def time_http(
    http: httpx.AsyncClient,
    query: Query,
    token: str,
    reps: int,
    cold_reps: int,
    conn: asyncpg.Connection,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    count = cold_reps if query.cold else reps
    if query.kind == "dashboard" and not query.cold:
        await settle_cache(conn)
    if not query.cold:
        for path in query.paths[:3]:
            (await http.get(path, headers=headers)).raise_for_status()
    started = time.perf_counter()
    for i in range(count):
        if query.cold:
            await clear_volume_cache(conn)
        path = query.paths[i % len(query.paths)]
        t0 = time.perf_counter()
        response = await http.get(path, headers=headers)
        query.samples.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{query.name}: HTTP {response.status_code} {response.text[:300]}")
        elapsed = time.perf_counter() - started
        if elapsed > QUERY_BUDGET_S and len(query.samples) >= MIN_SAMPLES:
            break


@contextlib.asynccontextmanager
async def in_process_app(url: str, tmp: str) -> AsyncIterator[tuple[httpx.AsyncClient, list[Any]]]:
    """Atende in this process, its engine reporting every statement into the yielded list."""
    from atende.core.config import Settings
    from atende.core.db import Database
    from atende.main import create_app
    from sqlalchemy import event

    settings = Settings(
        database_url=url,
        jwt_secret=JWT_SECRET,
        redis_url=None,
        embedded_worker=False,
        simulator_enabled=False,
        data_dir=Path(tmp),
        log_level="WARNING",
    )
    database = Database(settings.database_url)
    captured: list[Any] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, tuple(parameters or ())))

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    app = create_app(settings, database=database)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://atende") as http:
                yield http, captured
    finally:
        await database.dispose()


async def capture(
    url: str, queries: list[Query], tokens: dict[str, str], conn: asyncpg.Connection
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with in_process_app(url, tmp) as (http, captured):
            # The engine's first connection runs the dialect's own queries: not the app's.
            headers = {"Authorization": f"Bearer {tokens['admin']}"}
            (await http.get("/api/auth/me", headers=headers)).raise_for_status()
            for query in queries:
                headers = {"Authorization": f"Bearer {tokens[query.role]}"}
                for path in query.paths:
                    if query.cold:
                        await clear_volume_cache(conn)
                    captured.clear()
                    response = await http.get(path, headers=headers)
                    response.raise_for_status()
                    query.captured.append(list(captured))
                    if query.kind == "thread" and len(query.captured) >= 20:
                        break


async def replay(conn: asyncpg.Connection, statements: list[tuple[str, tuple[Any, ...]]]) -> float:
    """Runs the statements in one transaction, rolled back; returns the time in ms."""
    t0 = time.perf_counter()
    transaction = conn.transaction()
    await transaction.start()
    try:
        for sql, params in statements:
            await conn.fetch(sql, *params)
    finally:
        await transaction.rollback()
    return (time.perf_counter() - t0) * 1000


async def time_floor(conn: asyncpg.Connection, query: Query, reps: int, cold_reps: int) -> None:
    count = cold_reps if query.cold else reps
    if query.cold:
        await clear_volume_cache(conn)
    else:
        if query.kind == "dashboard":
            await settle_cache(conn)
        for statements in query.captured[:3]:
            await replay(conn, statements)
    started = time.perf_counter()
    for i in range(count):
        if query.cold:
            # Each replay is rolled back: its tally leaves dead rows behind.
            await settle_cache(conn)
        query.floor_samples.append(await replay(conn, query.captured[i % len(query.captured)]))
        if (
            time.perf_counter() - started > QUERY_BUDGET_S
            and len(query.floor_samples) >= MIN_SAMPLES
        ):
            break


def _is_plain(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("SET ", "SHOW "))


async def explain(conn: asyncpg.Connection, query: Query, *, keep: bool) -> tuple[str, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement of the query's first request, in one
    transaction (committed if `keep`, so a cold dashboard's tally fills the cache again);
    returns the full text and the slowest statement's plan."""
    sections = []
    slowest: tuple[float, str] = (-1.0, "")
    transaction = conn.transaction()
    await transaction.start()
    try:
        for k, (sql, params) in enumerate(query.captured[0]):
            if _is_plain(sql):
                await conn.execute(sql) if not params else await conn.fetch(sql, *params)
                sections.append(f"-- statement {k + 1}\n{sql}\n")
                continue
            rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *params)
            plan = "\n".join(r[0] for r in rows)
            shown = sql if len(sql) < 4000 else sql[:4000] + " …"
            sections.append(f"-- statement {k + 1}\n{shown}\n\n{plan}\n")
            runtime = next(
                (
                    float(line.split(":")[1].split()[0])
                    for line in plan.splitlines()
                    if line.startswith("Execution Time")
                ),
                0.0,
            )
            if runtime > slowest[0]:
                slowest = (runtime, plan)
    except BaseException:
        await transaction.rollback()
        raise
    if keep:
        await transaction.commit()
    else:
        await transaction.rollback()
    return "\n".join(sections), slowest[1]


def excerpt(plan: str, scans: int = 5) -> str:
    """The plan's root, its first access paths (scans) and its timings, one line each."""
    lines = plan.splitlines()
    if not lines:
        return ""
    picked = [lines[0].split("  (cost")[0]]
    for line in lines[1:]:
        node = line.strip().removeprefix("->").strip()
        if " Scan " in f" {node}" and len(picked) <= scans:
            cost = node.find("  (cost")
            actual = node.find("(actual")
            picked.append(f"  {node[:cost]}  {node[actual:]}" if actual > 0 else f"  {node}")
        elif line.startswith(("Planning Time", "Execution Time")):
            picked.append(line)
    return "\n".join(picked)


def prepare_database(args: argparse.Namespace) -> tuple[str, dict[str, Any], bool]:
    """(url, datagen summary, whether this run created the database)."""
    if args.database:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + args.database
        return url, asyncio.run(datagen.read_summary(url)), False
    url = asyncio.run(create_database("atende_bench_data"))
    try:
        migrate(url)
        summary = datagen.generate(url, args.scale, args.seed)
    except BaseException:
        asyncio.run(drop_database(url))
        raise
    return url, summary, True


async def measure_all(
    args: argparse.Namespace, url: str, summary: dict[str, Any]
) -> dict[str, Any]:
    rng = random.Random(args.seed)
    reps, cold_reps = args.reps, args.cold_reps
    picks = await choose(url, summary, rng)
    now = datetime.now(UTC).replace(microsecond=0)
    queries = build_queries(summary, picks, now)
    conn = await asyncpg.connect(url)
    explains = []
    figures = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            server = start_uvicorn(
                "atende.main:create_default_app",
                factory=True,
                env={
                    "DATABASE_URL": url,
                    "REDIS_URL": REDIS_URL,
                    "JWT_SECRET": JWT_SECRET,
                    "EMBEDDED_WORKER": "false",
                    "ACCESS_TOKEN_MINUTES": "600",
                    "LOG_LEVEL": "WARNING",
                    "DATA_DIR": tmp,
                    "WEB_DIST": tmp,
                },
            )
            try:
                async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as http:
                    tokens = {
                        role: await login(http, summary[role]["email"], summary["password"])
                        for role in ("agent", "supervisor", "admin")
                    }
                    await capture(url, queries, tokens, conn)
                    # Each query's HTTP figures, floor and plan back to back, so both
                    # figures see the same load on the machine.
                    for query in queries:
                        await time_http(http, query, tokens[query.role], reps, cold_reps, conn)
                        await time_floor(conn, query, reps, cold_reps)
                        if query.cold:
                            await clear_volume_cache(conn)
                        # Cold: committed, so the warm queries that follow find the cache
                        # filled again.
                        text, slowest = await explain(conn, query, keep=query.cold)
                        explains.append(
                            f"## {query.name} ({query.role})\nGET {query.paths[0]}\n\n{text}"
                        )
                        figures.append(figure(query, slowest))
                        sys.stderr.write(
                            f"  {query.name} ({query.role}): p50 {ms(query.samples, 0.5)} ms,"
                            f" p95 {ms(query.samples, 0.95)} ms, n={len(query.samples)};"
                            f" floor p95 {ms(query.floor_samples, 0.95)} ms\n"
                        )
            finally:
                server.stop()
    finally:
        await conn.close()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"queries-explain-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    path.write_text("\n\n".join(explains))
    return {"queries": figures, "explain_file": str(path)}


def figure(query: Query, slowest_plan: str) -> dict[str, Any]:
    return {
        "name": query.name,
        "role": query.role,
        "kind": query.kind,
        "cold": query.cold,
        "target_ms": query.target_ms,
        "samples": len(query.samples),
        "p50_ms": ms(query.samples, 0.5),
        "p95_ms": ms(query.samples, 0.95),
        "max_ms": ms(query.samples, 1.0),
        "floor_p50_ms": ms(query.floor_samples, 0.5),
        "floor_p95_ms": ms(query.floor_samples, 0.95),
        "statements": len(query.captured[0]),
        "plan_excerpt": excerpt(slowest_plan),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1 = 1 M conversations, 10 M messages"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reps", type=int, default=100, help="requests per query (default 100)")
    parser.add_argument(
        "--cold-reps", type=int, default=3, help="cold dashboard requests (default 3)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument("--database", help="use this already generated database (kept)")
    return parser.parse_args(argv)


def measure(argv: list[str]) -> dict[str, Any]:
    args = parse_args(argv)
    os.chdir(Path(__file__).resolve().parent)
    url, summary, created = prepare_database(args)
    try:
        result = asyncio.run(measure_all(args, url, summary))
    finally:
        if created and not args.keep:
            asyncio.run(drop_database(url))
        elif created:
            sys.stderr.write(f"kept {url.rsplit('/', 1)[1]} (reuse with --database)\n")
    data = {k: v for k, v in summary.items() if k not in ("numbers", "teams", "password")}
    return {"benchmark": "queries", "dataset": data, **result}


if __name__ == "__main__":
    import json

    figures = measure(sys.argv[1:])
    for q in figures["queries"]:
        print(
            f"{q['name']} ({q['role']}): p95 {q['p95_ms']} ms (target {q['target_ms']}),"
            f" floor p95 {q['floor_p95_ms']} ms, n={q['samples']}"
        )
    path = write_result("queries", figures)
    print(f"written to {path}")
    print(json.dumps(figures["dataset"]))
