"""`atende serve` on SIGTERM: it stops accepting connections, answers the requests already
in flight, and exits; a request slower than SHUTDOWN_GRACE_SECONDS is cut, so the process
still exits within the grace period.

The slow request is a send to the built-in fake Graph API with latency injected.
"""

import asyncio
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.deploy.stack import Stack, atende_env, free_port

pytestmark = pytest.mark.slow

SEND = {
    "messaging_product": "whatsapp",
    "to": "5511987650123",
    "type": "text",
    "text": {"body": "oi"},
}


def _serve(root: Path, grace: float) -> tuple[Stack, str]:
    port = free_port()
    env = atende_env(
        root,
        f"sqlite+aiosqlite:///{root / 'atende.db'}",
        {
            "JWT_SECRET": "graceful-jwt-secret-long-enough-for-hs256-signing",
            "EMBEDDED_WORKER": "false",
            "SIMULATOR_ENABLED": "true",
            "SHUTDOWN_GRACE_SECONDS": str(grace),
            "LOG_LEVEL": "INFO",
        },
    )
    stack = Stack(root, env)
    base_url = f"http://127.0.0.1:{port}"
    stack.start_atende("api", "serve", "--host", "127.0.0.1", "--port", str(port))
    stack.wait_ok(f"{base_url}/healthz")
    return stack, base_url


async def _slow_send(base_url: str, latency_ms: int) -> tuple[asyncio.Task[httpx.Response], float]:
    """Starts a send that takes `latency_ms`; returns it once the server is holding it."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        control = await http.post(
            "/simulator/_control", json={"reset": True, "latency_ms": latency_ms, "webhooks": False}
        )
        assert control.status_code == 200
    client = httpx.AsyncClient(base_url=base_url, timeout=120)

    async def send() -> httpx.Response:
        async with client:
            return await client.post(
                "/simulator/v25.0/100000000000001/messages",
                json=SEND,
                headers={"Authorization": "Bearer simulator"},
            )

    task = asyncio.create_task(send())
    # Long enough for the request to reach the handler, well short of its latency.
    await asyncio.sleep(0.5)
    assert not task.done()
    return task, time.monotonic()


async def _exit_code(stack: Stack, within: float) -> int:
    popen = stack.processes[0].popen
    code = await asyncio.to_thread(popen.wait, within)
    return code


async def test_sigterm_answers_the_request_in_flight_then_exits(tmp_path: Path) -> None:
    stack, base_url = _serve(tmp_path, grace=10)
    try:
        request, _ = await _slow_send(base_url, latency_ms=2500)
        stack.processes[0].popen.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.3)
        # No new connection is accepted once the shutdown began.
        with pytest.raises(httpx.TransportError):
            async with httpx.AsyncClient(base_url=base_url) as http:
                await http.get("/healthz", timeout=2)

        response = await asyncio.wait_for(request, timeout=15)
        code = await _exit_code(stack, within=15)
    finally:
        stack.stop()

    assert response.status_code == 200, response.text
    assert response.json()["messages"][0]["id"].startswith("wamid.")
    # uvicorn re-raises the SIGTERM it handled once it is done: the usual "terminated" code.
    assert code in (0, -signal.SIGTERM), stack.logs()


async def test_a_request_slower_than_the_grace_is_cut(tmp_path: Path) -> None:
    grace = 2.0
    stack, base_url = _serve(tmp_path, grace=grace)
    try:
        request, started = await _slow_send(base_url, latency_ms=60_000)
        stack.processes[0].popen.send_signal(signal.SIGTERM)
        code = await _exit_code(stack, within=30)
        exited_after = time.monotonic() - started
        outcome = await asyncio.gather(request, return_exceptions=True)
    finally:
        stack.stop()

    assert code in (0, -signal.SIGTERM), stack.logs()
    # The grace, plus the application's own shutdown; far from the request's 60 s.
    assert grace <= exited_after < grace + 5, stack.logs()
    response = outcome[0]
    assert isinstance(response, BaseException) or response.status_code >= 500
