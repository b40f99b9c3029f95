"""Processes of a scaled deployment on this machine: Debian's nginx with deploy/nginx's
configuration in front of `atende serve` processes and an `atende worker`."""

import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO_DIR = Path(__file__).resolve().parents[4]
NGINX_TEMPLATE = REPO_DIR / "deploy" / "nginx" / "templates" / "atende.conf.template"
NGINX_BIN = "/usr/sbin/nginx"
# uvicorn waits for open long-polls on SIGTERM; nothing in this test needs a clean exit.
STOP_TIMEOUT = 5.0

logger = logging.getLogger(__name__)

_VARIABLE = re.compile(r"\$\{(ATENDE_[A-Z0-9_]+)\}")
_UPSTREAM_SERVER = re.compile(r"^(\s*)server \$\{ATENDE_API_UPSTREAM\}(.*)$", re.MULTILINE)


def nginx_binary() -> str | None:
    """Debian's nginx (the nginx-light package in CI)."""
    return NGINX_BIN if Path(NGINX_BIN).is_file() else shutil.which("nginx")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def render_nginx_template(template: str, values: Mapping[str, str], upstreams: list[str]) -> str:
    """What the nginx image's envsubst step does with `ATENDE_*` names, except that the upstream
    `server` line is repeated once per instance, as a host configuration lists them."""

    def servers(match: re.Match[str]) -> str:
        indent, rest = match.group(1), match.group(2)
        return "\n".join(f"{indent}server {address}{rest}" for address in upstreams)

    text = _UPSTREAM_SERVER.sub(servers, template)
    return _VARIABLE.sub(lambda m: values[m.group(1)], text)


def atende_env(root: Path, database_url: str, settings: Mapping[str, str]) -> dict[str, str]:
    """The whole configuration of a deployment's processes: this environment without its
    REDIS_URL, data in `root`, no web build, the database, then `settings`."""
    env = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    env.update(
        {
            "ENVIRONMENT": "test",
            "DATA_DIR": str(root / "data"),
            "WEB_DIST": str(root / "no-web"),
            "DATABASE_URL": database_url,
            **settings,
        }
    )
    return env


def nginx_main_conf(prefix: Path, include: Path) -> str:
    """A main configuration that keeps every file nginx writes inside `prefix`."""
    user = ""
    if os.geteuid() == 0:
        # Workers would otherwise switch to `nobody`, who cannot read a private temp folder.
        user = "user root root;"
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").is_file() else ""
    return f"""
{user}
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    {mime}
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    sendfile on;
    include {include};
}}
"""


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Stack:
    """Everything started for one test module; `stop` ends it all, whatever state it is in."""

    root: Path
    env: dict[str, str]
    processes: list[Process] = field(default_factory=list)

    def start(self, name: str, args: list[str]) -> Process:
        log = self.root / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                args,
                env=self.env,
                # Away from any developer .env: the environment is the whole configuration.
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def start_atende(self, name: str, *args: str) -> Process:
        return self.start(name, [sys.executable, "-m", "atende.cli", *args])

    def run_atende(
        self, *args: str, extra_env: Mapping[str, str] = {}, timeout: float = 120
    ) -> str:
        """A one-shot command (`migrate`, `seed`); its output, or an error that shows it."""
        result = subprocess.run(
            [sys.executable, "-m", "atende.cli", *args],
            env={**self.env, **extra_env},
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        output = (result.stdout + result.stderr).decode(errors="replace")
        if result.returncode != 0:
            raise AssertionError(f"atende {' '.join(args)} exited {result.returncode}:\n{output}")
        return output

    def logs(self) -> str:
        parts = [f"--- {p.name} (running: {p.alive()})\n{p.tail()}" for p in self.processes]
        error_log = self.root / "nginx" / "error.log"
        if error_log.exists():
            parts.append(f"--- nginx error.log\n{error_log.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)

    def check(self, waiting_for: str) -> None:
        """Fails at once, with the logs, when a process has died."""
        dead = [p.name for p in self.processes if not p.alive()]
        if dead:
            raise AssertionError(
                f"{', '.join(dead)} exited, waiting for {waiting_for}\n{self.logs()}"
            )

    def wait_ok(self, url: str, *, within: float = 90.0) -> None:
        """Polls `url` until it answers 200, failing early if a process died."""
        deadline = time.monotonic() + within
        while True:
            self.check(url)
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} not ready within {within}s\n{self.logs()}")
            time.sleep(0.1)

    def start_api(self, ports: Sequence[int], *, seed_env: Mapping[str, str]) -> None:
        """As the api container does: migrate, then serve, with `seed` run as an operator runs
        it; returns once every instance is ready."""
        self.run_atende("migrate")
        self.run_atende("seed", extra_env=seed_env)
        names = ["api"] if len(ports) == 1 else [f"api-{index}" for index in range(len(ports))]
        for name, port in zip(names, ports, strict=True):
            self.start_atende(name, "serve", "--host", "127.0.0.1", "--port", str(port))
        for port in ports:
            self.wait_ok(f"http://127.0.0.1:{port}/readyz")

    def start_nginx(self, port: int, upstreams: list[str], web_root: Path) -> str:
        """deploy/nginx's configuration on `port` in front of `upstreams`; what it rendered."""
        prefix = self.root / "nginx"
        for sub in ("conf.d", "tmp"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        values = {
            "ATENDE_API_UPSTREAM": upstreams[0],
            "ATENDE_LISTEN_PORT": str(port),
            "ATENDE_WEB_ROOT": str(web_root),
        }
        rendered = render_nginx_template(NGINX_TEMPLATE.read_text(), values, upstreams)
        site = prefix / "conf.d" / "atende.conf"
        site.write_text(rendered)
        main = prefix / "nginx.conf"
        main.write_text(nginx_main_conf(prefix, site))
        nginx = [str(nginx_binary()), "-p", str(prefix), "-c", str(main), "-e", "stderr"]
        self.start("nginx", nginx)
        return rendered

    def stop(self) -> None:
        """SIGTERM to every process at once, then SIGKILL to whichever outlives the grace."""
        running = [p for p in self.processes if p.alive()]
        for process in running:
            process.popen.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in running:
            try:
                process.popen.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                logger.warning("%s ignored SIGTERM; killing it", process.name)
                process.popen.kill()
                process.popen.wait(timeout=STOP_TIMEOUT)
