"""/metrics is for a scraper that reaches each instance directly: deploy/nginx answers 404
for it from outside, and the instance itself wants METRICS_TOKEN."""

from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI
from tests.deploy.stack import Stack, atende_env, free_port, nginx_binary

pytestmark = pytest.mark.slow

TOKEN = "exposure-metrics-token"


def test_nginx_does_not_proxy_metrics_and_the_instance_wants_the_token(tmp_path: Path) -> None:
    if nginx_binary() is None:
        if IN_CI:
            pytest.fail("nginx is required in CI")
        pytest.skip("needs nginx")
    api_port, front_port = free_port(), free_port()
    env = atende_env(
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'atende.db'}",
        {
            "JWT_SECRET": "exposure-jwt-secret-long-enough-for-hs256-signing",
            "EMBEDDED_WORKER": "false",
            "METRICS_TOKEN": TOKEN,
            "LOG_LEVEL": "WARNING",
        },
    )
    stack = Stack(tmp_path, env)
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>Atende</title>")
    front = f"http://127.0.0.1:{front_port}"
    instance = f"http://127.0.0.1:{api_port}"
    try:
        stack.start_atende("api", "serve", "--host", "127.0.0.1", "--port", str(api_port))
        stack.start_nginx(front_port, [f"127.0.0.1:{api_port}"], web)
        stack.wait_ok(f"{instance}/healthz")
        stack.wait_ok(f"{front}/healthz")
        bearer = {"Authorization": f"Bearer {TOKEN}"}

        outside = httpx.get(f"{front}/metrics", headers=bearer)
        outside_query = httpx.get(f"{front}/metrics?format=text", headers=bearer)
        no_token = httpx.get(f"{instance}/metrics")
        scraped = httpx.get(f"{instance}/metrics", headers=bearer)
    finally:
        stack.stop()

    assert outside.status_code == 404
    assert "atende_" not in outside.text and "<title>Atende" not in outside.text
    assert outside_query.status_code == 404
    assert no_token.status_code == 401
    assert scraped.status_code == 200
    assert "atende_webhook_requests_total" in scraped.text
