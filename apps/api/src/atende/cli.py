"""The `atende` command."""

import typer
import uvicorn

from atende.core.config import ConfigError, get_settings
from atende.core.logging import configure_logging
from atende.core.migrations import upgrade

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


if __name__ == "__main__":
    app()
