"""/metrics is for a scraper that reaches each instance directly: deploy/nginx answers 404
for it from outside, and the instance itself wants METRICS_TOKEN."""

import os
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI
from tests.deploy.stack import (
    NGINX_TEMPLATE,
    Stack,
    free_port,
    nginx_binary,
    nginx_main_conf,
    render_nginx_template,
)

pytestmark = pytest.mark.slow

TOKEN = "exposure-metrics-token"


def test_nginx_does_not_proxy_metrics_and_the_instance_wants_the_token(tmp_path: Path) -> None:
    if nginx_binary() is None:
        if IN_CI:
            pytest.fail("nginx is required in CI")
        pytest.skip("needs nginx")
    api_port, front_port = free_port(), free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATA_DIR": str(tmp_path / "data"),
        "WEB_DIST": str(tmp_path / "no-web"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'atende.db'}",
        "JWT_SECRET": "exposure-jwt-secret-long-enough-for-hs256-signing",
        "EMBEDDED_WORKER": "false",
        "METRICS_TOKEN": TOKEN,
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    stack = Stack(tmp_path, env)
    prefix = tmp_path / "nginx"
    for sub in ("conf.d", "tmp"):
        (prefix / sub).mkdir(parents=True)
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>Atende</title>")
    upstream = f"127.0.0.1:{api_port}"
    values = {
        "ATENDE_API_UPSTREAM": upstream,
        "ATENDE_LISTEN_PORT": str(front_port),
        "ATENDE_WEB_ROOT": str(web),
    }
    site = prefix / "conf.d" / "atende.conf"
    site.write_text(render_nginx_template(NGINX_TEMPLATE.read_text(), values, [upstream]))
    main = prefix / "nginx.conf"
    main.write_text(nginx_main_conf(prefix, site))
    front = f"http://127.0.0.1:{front_port}"
    instance = f"http://127.0.0.1:{api_port}"
    try:
        stack.start_atende("api", "serve", "--host", "127.0.0.1", "--port", str(api_port))
        stack.start("nginx", [str(nginx_binary()), "-p", str(prefix), "-c", str(main)])
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
