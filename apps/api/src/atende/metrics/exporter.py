"""The metrics endpoint of `atende worker --metrics-port`: prometheus_client's WSGI server on
a thread of its own, behind the same access rule as the api's /metrics."""

import threading
from collections.abc import Callable, Iterable
from typing import Any, cast
from wsgiref.simple_server import WSGIRequestHandler, make_server
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from prometheus_client import make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from atende.metrics.service import may_scrape


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds would flood stderr."""


def metrics_app(token: str | None) -> WSGIApplication:
    serve = cast(WSGIApplication, make_wsgi_app())

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        if not may_scrape(
            token=token,
            authorization=environ.get("HTTP_AUTHORIZATION"),
            client_host=environ.get("REMOTE_ADDR"),
        ):
            status = "401 Unauthorized" if token else "403 Forbidden"
            start_response(status, [("Content-Type", "text/plain")])
            return [f"{status}\n".encode()]
        return serve(environ, start_response)

    return app


def start_exporter(*, host: str, port: int, token: str | None) -> Callable[[], None]:
    """Serves GET /metrics on host:port until the returned function is called."""
    server = make_server(
        host,
        port,
        metrics_app(token),
        server_class=ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, name="metrics-exporter", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
