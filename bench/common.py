"""Shared helpers for the benchmarks: throwaway databases, server processes, statistics."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
API_DIR = ROOT / "apps" / "api"
RESULTS_DIR = ROOT / "bench" / "results"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
APP_SECRET = "bench-app-secret"
JWT_SECRET = "bench-jwt-secret-long-enough-for-hs256-signing"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def create_database(prefix: str = "atende_bench") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


async def drop_database(url: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


def migrate(url: str) -> None:
    from atende.core.migrations import upgrade

    upgrade(url.replace("postgresql://", "postgresql+asyncpg://", 1))


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_uvicorn(
    app: str, *, env: dict[str, str], factory: bool = False, workers: int = 1
) -> Server:
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    args += ["--no-access-log", "--log-level", "warning"]
    if factory:
        args.append("--factory")
    if workers > 1:
        args += ["--workers", str(workers)]
    process = subprocess.Popen(args, env={**os.environ, **env}, cwd=ROOT / "bench")
    server = Server(process, port)
    wait_for_port(port, process)
    return server


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"server on port {port} did not start")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def run_json(args: list[str], timeout: float = 600) -> dict[str, Any]:
    """Runs a helper process (e.g. the load generator) and parses the JSON it prints last."""
    out = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(data, indent=2))
    return path


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def run_fast(coro: Any) -> Any:
    """asyncio.run on uvloop when it is installed (the servers under test use it too)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)
