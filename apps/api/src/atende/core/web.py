"""Serves the built web app: hashed assets with a long cache, every other path gets index.html."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles

from atende.core.exceptions import NotFound

# Paths owned by the backend: never answered with the web app.
RESERVED_PREFIXES = ("api/", "socket.io", "webhook/", "simulator/", "healthz", "readyz", "metrics")


def default_dist() -> Path:
    return Path(__file__).resolve().parents[5] / "apps" / "web" / "dist"


def mount_web(app: FastAPI, dist: Path) -> None:
    index = dist / "index.html"
    if not index.is_file():
        return
    root = dist.resolve()
    assets = dist / "assets"
    if assets.is_dir():
        app.mount("/assets", StaticFiles(directory=assets), name="web-assets")

    @app.get("/{path:path}", include_in_schema=False)
    def web_app(path: str) -> Response:
        if path.startswith(RESERVED_PREFIXES):
            raise NotFound("Not found")
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root):
            return FileResponse(candidate)
        # index.html must never be cached: it names the current hashed bundles.
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
