"""The `atende` command."""

import asyncio
import math
from collections.abc import Coroutine
from typing import Any, NoReturn

import typer
import uvicorn
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from atende.core.config import ConfigError, Settings, get_settings
from atende.core.exceptions import AppError
from atende.core.logging import configure_logging
from atende.core.migrations import upgrade
from atende.core.seed import seed_database
from atende.messages.worker import run_worker
from atende.metrics.exporter import start_exporter
from atende.whatsapp.simulator_webhooks import post_inbound

app = typer.Typer(help="Atende: multi-agent inbox for the WhatsApp Business Cloud API.")

# The secrets each long-running command needs; production refuses placeholders for them.
SERVE_SECRETS = ("JWT_SECRET", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN")
WORKER_SECRETS = ("JWT_SECRET",)


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _exit(kind: str, message: str, *, code: int) -> NoReturn:
    # One line an operator can act on; a traceback would bury the variable's name.
    first_line = message.strip().splitlines()[0] if message.strip() else kind
    typer.echo(f"atende: {kind}: {first_line}", err=True)
    raise typer.Exit(code=code)


def _settings(*secrets: str) -> Settings:
    """The settings, or exit 2 with `atende: configuration error: <VAR>: <reason>`."""
    try:
        settings = get_settings()
        settings.check_secrets(*secrets)
    except ValidationError as e:
        _exit("configuration error", str(ConfigError.from_validation(e)), code=2)
    except ConfigError as e:
        _exit("configuration error", str(e), code=2)
    return settings


def _migrate(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        upgrade(settings.database_url)
    except (SQLAlchemyError, OSError) as e:
        # The driver's own message, without SQLAlchemy's statement and background link.
        _exit("database error", str(getattr(e, "orig", None) or e), code=1)


@app.command()
def migrate() -> None:
    """Apply database migrations up to the latest version (one process at a time)."""
    _migrate(_settings())
    typer.echo("database is up to date")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Server processes (scaled mode needs REDIS_URL)."),
) -> None:
    """Serve the API, the realtime gateway and the web app."""
    settings = _settings(*SERVE_SECRETS)
    # Development: the generated secret is written once, before the server processes start.
    settings.resolved_jwt_secret()
    configure_logging(level=settings.log_level, json_logs=settings.json_logs)
    if settings.is_sqlite:
        # The embedded default migrates itself so `make run` is one command.
        _migrate(settings)
    uvicorn.run(
        "atende.main:create_default_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        proxy_headers=True,
        # On SIGTERM: stop accepting, let requests in flight finish, then cut what is left.
        timeout_graceful_shutdown=max(1, math.ceil(settings.shutdown_grace_seconds)),
    )


@app.command("seed")
def seed_command() -> None:
    """Create the first administrator, the default team and a simulated number (idempotent)."""
    settings = _settings()
    if settings.is_sqlite:
        _migrate(settings)
    try:
        result = asyncio.run(seed_database(settings))
    except AppError as e:
        _fail(f"{e.message} (ADMIN_PASSWORD)")
        return
    if not result.admin_created:
        typer.echo(f"admin {result.admin_email} already exists; its password was not changed")
    elif result.generated_password:
        typer.echo(f"admin created: {result.admin_email}")
        typer.echo(f"password: {result.generated_password}  (shown only once; change it)")
    else:
        typer.echo(f"admin created: {result.admin_email} (password from ADMIN_PASSWORD)")
    typer.echo(f"team Atendimento: {'created' if result.team_created else 'already exists'}")
    number_state = "created" if result.number_created else "already exists"
    typer.echo(f"simulated number Simulador: {number_state}")


@app.command()
def worker(
    metrics_port: int | None = typer.Option(
        None, help="Serve this process's Prometheus metrics at :PORT/metrics (off by default)."
    ),
    metrics_host: str = typer.Option("127.0.0.1", help="Interface of the metrics endpoint."),
) -> None:
    """Run the outbox sender on its own (scaled mode) until SIGTERM/SIGINT."""
    settings = _settings(*WORKER_SECRETS)
    configure_logging(level=settings.log_level, json_logs=settings.json_logs)
    stop_exporter = None
    if metrics_port is not None:
        try:
            stop_exporter = start_exporter(
                host=metrics_host, port=metrics_port, token=settings.metrics_token
            )
        except OSError as e:
            _exit("configuration error", f"--metrics-port: {e.strerror or e}", code=2)
    try:
        _run_event_loop(run_worker(settings))
    finally:
        if stop_exporter is not None:
            stop_exporter()


def _run_event_loop(main: Coroutine[Any, Any, object]) -> None:
    """Runs `main` on uvloop, as uvicorn does for `serve`: the outbox spends a sixth of its
    CPU in the event loop itself, which uvloop cuts. Plain asyncio where it is missing
    (uvicorn[standard] installs it except on Windows)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    uvloop.run(main)


simulate_app = typer.Typer(help="Play a customer of a simulated number.")
app.add_typer(simulate_app, name="simulate")


@simulate_app.command("inbound")
def simulate_inbound(
    number: str = typer.Option(..., "--number", help="phone_number_id of the simulated number."),
    wa_id: str = typer.Option(..., "--from", help="The customer's wa_id (phone digits)."),
    name: str = typer.Option("Cliente Simulado", "--name", help="The customer's profile name."),
    text: str = typer.Option(..., "--text", help="The message text."),
    url: str = typer.Option("http://127.0.0.1:8000", "--url", help="The running server."),
    display_number: str = typer.Option(
        "", "--display-number", help="The number's display_phone_number (metadata only)."
    ),
) -> None:
    """Post a signed inbound text message to a running server's webhook, as Meta would."""
    settings = _settings()
    status, wamid = asyncio.run(
        post_inbound(
            url=url.rstrip("/") + "/webhook/whatsapp",
            app_secret=settings.whatsapp_app_secret,
            phone_number_id=number,
            display_phone_number=display_number or number,
            wa_id=wa_id,
            name=name,
            text=text,
        )
    )
    typer.echo(f"HTTP {status or 'unreachable'} {wamid}")
    if status != 200:
        raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
