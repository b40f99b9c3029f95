"""The `atende` command."""

import asyncio

import typer
import uvicorn

from atende.core.config import ConfigError, get_settings
from atende.core.exceptions import AppError
from atende.core.logging import configure_logging
from atende.core.migrations import upgrade
from atende.core.seed import seed_database
from atende.messages.worker import run_worker
from atende.whatsapp.simulator_webhooks import post_inbound

app = typer.Typer(help="Atende: multi-agent inbox for the WhatsApp Business Cloud API.")


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


@app.command()
def migrate() -> None:
    """Apply database migrations up to the latest version."""
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    typer.echo("database is up to date")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Server processes (scaled mode needs REDIS_URL)."),
) -> None:
    """Serve the API, the realtime gateway and the web app."""
    settings = get_settings()
    try:
        settings.resolved_jwt_secret()
    except ConfigError as e:
        _fail(str(e))
    configure_logging(level=settings.log_level, json_logs=settings.json_logs)
    if settings.is_sqlite:
        # The embedded default migrates itself so `make run` is one command.
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.database_url)
    uvicorn.run(
        "atende.main:create_default_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        proxy_headers=True,
    )


@app.command("seed")
def seed_command() -> None:
    """Create the first administrator, the default team and a simulated number (idempotent)."""
    settings = get_settings()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.database_url)
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
def worker() -> None:
    """Run the outbox sender on its own (scaled mode) until SIGTERM/SIGINT."""
    settings = get_settings()
    try:
        settings.resolved_jwt_secret()
    except ConfigError as e:
        _fail(str(e))
    configure_logging(level=settings.log_level, json_logs=settings.json_logs)
    asyncio.run(run_worker(settings))


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
    settings = get_settings()
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
