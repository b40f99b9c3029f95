"""Outbound benchmark: `atende worker` processes draining a queue against a fake Graph API.

Fills a throwaway PostgreSQL database with `--numbers` numbers (each allowed
`--number-rate` messages/s) and `--messages` queued outbound text messages spread evenly over
them, starts the fake Graph API (`floors/fake_graph.py`, answering after `--latency-ms`) and
`--workers` `atende worker` processes (Redis rate limiter, default send concurrency), releases
the whole queue at once and waits until nothing is queued. From the fake's call log it
reports the aggregate rate, the busiest second of each number, queue-to-accepted latency and
messages sent more than once. The floor (`floors/outbound_floor.py`) posts the same number
of requests with the same total concurrency to the same fake, with no database and no
limit, in as many processes as there are workers.

    cd apps/api && uv run python ../../bench/outbound.py --numbers 2 --messages 200
"""

import argparse
import asyncio
import bisect
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from atende.core.types import new_id
from atende.whatsapp.schemas import text_message_body

from common import (
    JWT_SECRET,
    REDIS_URL,
    create_database,
    drop_database,
    free_port,
    migrate,
    percentile,
    write_result,
)

BENCH_DIR = Path(__file__).resolve().parent
CONVERSATIONS_PER_NUMBER = 100
QUEUE_LATER = datetime(2100, 1, 1, tzinfo=UTC)


def ms(values: list[float], q: float) -> float | None:
    return round(percentile(values, q) * 1000, 1) if values else None


async def seed(url: str, numbers: list[str], messages: int, rate: float) -> None:
    """Numbers, one team and agent, `CONVERSATIONS_PER_NUMBER` open conversations per number
    and `messages` queued messages, round-robin over the conversations (so over the numbers),
    due only in 2100 until the queue is released."""
    now = datetime.now(UTC)
    conn = await asyncpg.connect(url)
    try:
        team_id, agent_id = new_id(), new_id()
        await conn.execute(
            "INSERT INTO teams (id, name, created_at) VALUES ($1, 'Outbound', $2)", team_id, now
        )
        await conn.execute(
            "INSERT INTO users (id, email, name, password_hash, role, is_active, created_at,"
            " updated_at) VALUES ($1, 'agent@bench.test', 'Agent', '-', 'AGENT', true, $2, $2)",
            agent_id,
            now,
        )
        number_rows = [
            (new_id(), pnid, f"55119{i:08d}", f"Bench {i}", team_id, False, True, rate, now, now)
            for i, pnid in enumerate(numbers)
        ]
        await conn.copy_records_to_table(
            "numbers",
            records=number_rows,
            columns=[
                "id",
                "phone_number_id",
                "display_phone_number",
                "label",
                "default_team_id",
                "is_simulated",
                "is_active",
                "send_rate_per_second",
                "created_at",
                "updated_at",
            ],
        )
        contacts, conversations = [], []
        for c in range(len(numbers) * CONVERSATIONS_PER_NUMBER):
            contact_id, wa_id = new_id(), f"5511{600000000 + c:09d}"
            contacts.append((contact_id, wa_id, f"Customer {c}", now, now))
            number_id = number_rows[c % len(numbers)][0]
            conversations.append(
                (new_id(), number_id, contact_id, "open", agent_id, team_id, now, now, now, 0, now)
            )
        await conn.copy_records_to_table(
            "contacts",
            records=contacts,
            columns=["id", "wa_id", "name", "created_at", "updated_at"],
        )
        await conn.copy_records_to_table(
            "conversations",
            records=[(*row, row[-1]) for row in conversations],
            columns=[
                "id",
                "number_id",
                "contact_id",
                "status",
                "assignee_id",
                "team_id",
                "last_message_at",
                "last_inbound_at",
                "first_inbound_at",
                "unread_count",
                "created_at",
                "updated_at",
            ],
        )
        rows = []
        for m in range(messages):
            c = m % len(conversations)
            message_id, text = new_id(), f"outbound bench message {m}"
            body = text_message_body(
                wa_id=contacts[c][1], user_id=None, text=text, callback_data=str(message_id)
            )
            rows.append(
                (
                    message_id,
                    conversations[c][0],
                    "outbound",
                    "text",
                    text,
                    json.dumps(body),
                    agent_id,
                    False,
                    "queued",
                    now,
                    False,
                    0,
                    QUEUE_LATER,
                    now,
                    now,
                    0,
                )
            )
        await conn.copy_records_to_table(
            "messages",
            records=rows,
            columns=[
                "id",
                "conversation_id",
                "direction",
                "type",
                "text",
                "payload",
                "sender_id",
                "is_automated",
                "status",
                "timestamp",
                "is_read_by_agent",
                "attempts",
                "next_attempt_at",
                "created_at",
                "updated_at",
                "media_attempts",
            ],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def start_fake(port: int, latency_ms: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "floors/fake_graph.py",
            "--port",
            str(port),
            "--latency-ms",
            str(latency_ms),
        ],
        cwd=BENCH_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        process.kill()
        raise RuntimeError("the fake Graph API did not start")
    return process


def stop(process: subprocess.Popen[Any]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def fake_log(base_url: str) -> list[tuple[float, float, str, str]]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        response = await http.get("/_log")
        response.raise_for_status()
        return [tuple(row) for row in response.json()]


async def reset_fake(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        (await http.post("/_reset")).raise_for_status()


def busiest_second(arrivals: list[float]) -> int:
    """The most calls in any window of one second ([t, t + 1 s))."""
    ordered = sorted(arrivals)
    best = 0
    for i, t in enumerate(ordered):
        best = max(best, bisect.bisect_left(ordered, t + 1.0, lo=i) - i)
    return best


def per_number_peaks(log: list[tuple[float, float, str, str]]) -> dict[str, int]:
    arrivals: dict[str, list[float]] = defaultdict(list)
    for arrived, _answered, number, _callback in log:
        arrivals[number].append(arrived)
    return {number: busiest_second(times) for number, times in arrivals.items()}


def run_floor(args: argparse.Namespace, fake_url: str, numbers: list[str]) -> dict[str, Any]:
    share = args.messages // args.workers
    processes = []
    for w in range(args.workers):
        count = share if w < args.workers - 1 else args.messages - share * w
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "floors/outbound_floor.py",
                    *("--url", fake_url, "--numbers", ",".join(numbers)),
                    *("--messages", str(count), "--first", str(share * w)),
                    *("--concurrency", str(args.concurrency)),
                ],
                cwd=BENCH_DIR,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=args.timeout)
        if process.returncode != 0:
            raise RuntimeError("the outbound floor failed")
        results.append(json.loads(out.strip().splitlines()[-1]))
    started = min(r["started"] for r in results)
    finished = max(r["finished"] for r in results)
    accepted = sum(r["accepted"] for r in results)
    return {
        "accepted": accepted,
        "errors": sum(r["errors"] for r in results),
        "msgs_per_s": round(accepted / (finished - started), 1),
        "started": started,
    }


def worker_env(args: argparse.Namespace, url: str, fake_url: str, tmp: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "REALTIME_CHANNEL": f"atende-bench-{uuid.uuid4().hex[:8]}",
        "JWT_SECRET": JWT_SECRET,
        "GRAPH_API_BASE_URL": fake_url,
        "WHATSAPP_TOKEN": "bench-token",
        "TEMPLATE_SYNC_SECONDS": "0",
        "SEND_CONCURRENCY": str(args.concurrency),
        "LOG_LEVEL": "INFO",
        "DATA_DIR": tmp,
    }


async def wait_started(logs: list[Path], within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if all("outbox worker started" in p.read_text(errors="replace") for p in logs):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError("the workers did not start: " + logs[0].read_text()[-2000:])


async def drain(conn: asyncpg.Connection, within: float) -> dict[str, int]:
    deadline = time.monotonic() + within
    # Polled through the outbox's partial index: a count of the whole table every 100 ms
    # would take PostgreSQL CPU from the workers being measured.
    while time.monotonic() < deadline:
        if not await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE status = 'queued')"
        ):
            break
        await asyncio.sleep(0.1)
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE status = 'queued') AS queued,"
        " count(*) FILTER (WHERE status = 'sent') AS sent,"
        " count(*) FILTER (WHERE status = 'failed') AS failed,"
        " count(DISTINCT wamid) AS wamids FROM messages"
    )
    return dict(row)


def start_workers(env: dict[str, str], logs: list[Path]) -> list[subprocess.Popen[bytes]]:
    atende = Path(sys.executable).with_name("atende")
    workers = []
    for log in logs:
        with log.open("w") as out:
            workers.append(
                subprocess.Popen(
                    [str(atende), "worker"], env=env, stdout=out, stderr=subprocess.STDOUT
                )
            )
    return workers


async def run_atende(args: argparse.Namespace, url: str, fake_url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        logs = [Path(tmp) / f"worker{w}.log" for w in range(args.workers)]
        workers = start_workers(worker_env(args, url, fake_url, tmp), logs)
        conn = await asyncpg.connect(url)
        try:
            await wait_started(logs)
            # The whole queue becomes due at once: queue-to-accepted starts here.
            released = time.time()
            await conn.execute(
                "UPDATE messages SET next_attempt_at = $1 WHERE status = 'queued'",
                datetime.fromtimestamp(released, UTC),
            )
            counts = await drain(conn, args.timeout)
            finished = time.time()
        finally:
            await conn.close()
            for worker in workers:
                stop(worker)
        errors = sum(p.read_text(errors="replace").count("Traceback") for p in logs if p.exists())
    return {"released": released, "finished": finished, "counts": counts, "tracebacks": errors}


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    prefix = f"9{random.randrange(10**8):08d}"
    numbers = [f"{prefix}{i:04d}" for i in range(args.numbers)]
    url = await create_database("atende_bench_out")
    port = free_port()
    fake_url = f"http://127.0.0.1:{port}"
    fake = start_fake(port, args.latency_ms)
    try:
        await asyncio.to_thread(migrate, url)
        await seed(url, numbers, args.messages, args.number_rate)

        floor = await asyncio.to_thread(run_floor, args, fake_url, numbers)
        floor_log = await fake_log(fake_url)
        floor["queue_to_accepted_p50_ms"] = ms(
            [a - floor["started"] for _, a, _, _ in floor_log], 0.5
        )
        floor["queue_to_accepted_p99_ms"] = ms(
            [a - floor["started"] for _, a, _, _ in floor_log], 0.99
        )
        floor["max_per_number_per_s"] = max(per_number_peaks(floor_log).values(), default=0)
        await reset_fake(fake_url)

        run = await run_atende(args, url, fake_url)
        log = await fake_log(fake_url)
    finally:
        stop(fake)
        await drop_database(url)

    released = run["released"]
    calls = Counter(callback for _, _, _, callback in log)
    first_answer: dict[str, float] = {}
    for _, answered, _, callback in sorted(log, key=lambda row: row[1]):
        first_answer.setdefault(callback, answered)
    waits = [answered - released for answered in first_answer.values()]
    last = max(first_answer.values(), default=released)
    peaks = per_number_peaks(log)
    counts = run["counts"]
    return {
        "benchmark": "outbound",
        "numbers": args.numbers,
        "messages": args.messages,
        "workers": args.workers,
        "concurrency_per_worker": args.concurrency,
        "graph_latency_ms": args.latency_ms,
        "number_rate_limit_per_s": args.number_rate,
        "graph_calls": len(log),
        "messages_called": len(calls),
        "sent_twice": sum(n - 1 for n in calls.values() if n > 1),
        "db_sent": counts["sent"],
        "db_failed": counts["failed"],
        "db_still_queued": counts["queued"],
        "db_distinct_wamids": counts["wamids"],
        "worker_tracebacks": run["tracebacks"],
        "msgs_per_s": round(len(first_answer) / (last - released), 1) if log else 0.0,
        "drain_seconds": round(run["finished"] - released, 2),
        "max_per_number_per_s": max(peaks.values(), default=0),
        "per_number_peak_per_s": dict(sorted(peaks.items())),
        "queue_to_accepted_p50_ms": ms(waits, 0.5),
        "queue_to_accepted_p99_ms": ms(waits, 0.99),
        "floor": floor,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--numbers", type=int, default=10, help="numbers (default 10)")
    parser.add_argument(
        "--messages", type=int, default=20000, help="queued messages (default 20,000)"
    )
    parser.add_argument("--workers", type=int, default=2, help="`atende worker` processes")
    parser.add_argument(
        "--concurrency", type=int, default=128, help="sends in flight per worker (default 128)"
    )
    parser.add_argument(
        "--number-rate",
        type=float,
        default=150.0,
        help="each number's send limit, messages/s (default 150)",
    )
    parser.add_argument(
        "--latency-ms", type=float, default=100.0, help="fake Graph answer delay (default 100)"
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds allowed to drain the queue"
    )
    return parser.parse_args(argv)


def measure(argv: list[str]) -> dict[str, Any]:
    os.chdir(BENCH_DIR)
    result: dict[str, Any] = asyncio.run(bench(parse_args(argv)))
    floor = result["floor"]
    sys.stderr.write(
        f"outbound {result['messages']} messages, {result['numbers']} numbers "
        f"(limit {result['number_rate_limit_per_s']}/s each), {result['workers']} workers: "
        f"{result['msgs_per_s']} msg/s (floor {floor['msgs_per_s']}), busiest number-second "
        f"{result['max_per_number_per_s']}, queue-to-accepted p50 "
        f"{result['queue_to_accepted_p50_ms']} ms, p99 {result['queue_to_accepted_p99_ms']} ms, "
        f"sent twice {result['sent_twice']}, sent {result['db_sent']}/{result['messages']}\n"
    )
    return result


if __name__ == "__main__":
    figures = measure(sys.argv[1:])
    path = write_result("outbound", figures)
    sys.stderr.write(f"written to {path}\n")
    print(json.dumps(figures))
