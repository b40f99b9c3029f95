"""Settings, read once from the environment (and an optional `.env`)."""

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret"}
# The development defaults of the webhook secrets: anyone can sign a webhook with them.
DEV_SECRETS = {"dev-app-secret", "dev-verify-token"}
DATABASE_DRIVERS = {"sqlite+aiosqlite", "postgresql+asyncpg"}
# What production refuses to run without, and where the real value comes from.
SECRET_HINTS = {
    "JWT_SECRET": "a long random value, e.g. "
    "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`",
    "WHATSAPP_APP_SECRET": "the Meta app secret (App settings > Basic)",
    "WHATSAPP_VERIFY_TOKEN": "the verify token typed in Meta's webhook settings",
}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message, one line naming the variable, is meant
    for the operator."""

    def __init__(self, variable: str, reason: str) -> None:
        super().__init__(f"{variable}: {reason}")
        self.variable = variable
        self.reason = reason

    @classmethod
    def from_validation(cls, error: ValidationError) -> "ConfigError":
        """Every invalid variable on one line; the values are left out (they may be secrets)."""
        problems = []
        for item in error.errors(include_url=False, include_input=False):
            variable = str(item["loc"][0]).upper() if item["loc"] else "SETTINGS"
            reason = str(item["msg"]).removeprefix("Value error, ")
            problems.append((variable, reason))
        variable, reason = problems[0]
        others = "; ".join(f"{v}: {r}" for v, r in problems[1:])
        return cls(variable, f"{reason}; {others}" if others else reason)


def is_placeholder(value: str) -> bool:
    value = value.strip().lower()
    return (
        value in PLACEHOLDER_SECRETS
        or value in DEV_SECRETS
        or value.startswith(("change-me", "changeme", "change_me"))
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("./data")
    # Built web app served at /; defaults to apps/web/dist of this checkout.
    web_dist: Path | None = None
    database_url: str = ""
    redis_url: str | None = None
    # Redis pub/sub channel of the socket.io fan-out; processes of one deployment share it.
    realtime_channel: str = "atende"

    whatsapp_token: str = ""
    whatsapp_app_secret: str = "dev-app-secret"
    whatsapp_verify_token: str = "dev-verify-token"
    graph_version: str = "v25.0"
    graph_api_base_url: str = "https://graph.facebook.com"
    # Base URL of the built-in fake Graph API used by numbers marked simulated.
    simulator_base_url: str = "http://127.0.0.1:8000/simulator"
    # Where the simulator posts its signed status webhooks.
    simulator_webhook_url: str = "http://127.0.0.1:8000/webhook/whatsapp"
    # Mount the fake Graph API at /simulator; default: on, except in production.
    simulator_enabled: bool | None = None

    jwt_secret: str = ""
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    login_max_failures: int = 5
    login_window_seconds: int = 300

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    tz_default: str = "America/Sao_Paulo"
    log_level: str = "INFO"
    log_json: bool | None = None

    # The embedded default runs the outbox sender inside the api process.
    embedded_worker: bool | None = None
    send_rate_per_second: float = 80.0
    send_max_attempts: int = 8
    # Outbox sender: exponential backoff with full jitter between attempts (cloud-api.md §11),
    # claim lease after which a dead sender's messages are resumed, batch and concurrency.
    send_backoff_base_seconds: float = 1.0
    send_backoff_cap_seconds: float = 60.0
    send_claim_seconds: float = 60.0
    send_batch_size: int = 100
    send_concurrency: int = 128
    send_poll_seconds: float = 0.25
    # Whichever process runs the outbox sender also re-lists every WABA's templates this
    # often (status webhooks keep them current in between); 0 turns it off.
    template_sync_seconds: float = 6 * 3600
    # It also keeps the dashboard's volume tally of the last days filled (0 days: off), so
    # no one waits for a long range to be counted on first use.
    dashboard_warm_days: int = Field(default=31, ge=0)
    dashboard_warm_seconds: float = Field(default=300.0, ge=0)
    webhook_max_body_bytes: int = 3 * 1024 * 1024 + 64 * 1024

    # GET /metrics (Prometheus): with a token, only `Authorization: Bearer <token>`; without
    # one, only clients on this machine (loopback).
    metrics_token: str | None = None
    # On SIGTERM: how long requests in flight (serve) and Graph calls in flight (worker, and
    # the embedded sender) may take to finish before they are cut.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)

    # Media files: on local disk (default: data_dir/media), or in S3 when S3_BUCKET is set.
    media_dir: Path | None = None
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_prefix: str = ""
    # Signed media links (`<img src>` cannot send the bearer token) stay valid this long.
    media_link_seconds: int = 600
    # Inbound media downloads: a durable job per pending message, retried with backoff.
    media_max_attempts: int = 6
    media_backoff_base_seconds: float = 2.0
    media_backoff_cap_seconds: float = 300.0
    media_claim_seconds: float = 300.0
    media_concurrency: int = 4
    media_poll_seconds: float = 1.0
    # Uploads no message took are deleted (row and file) this long after upload; 0 keeps them.
    upload_retention_hours: float = 24.0

    # First administrator created by `atende seed`; an empty password is generated and shown once.
    admin_email: str = "admin@atende.local"
    admin_password: str = ""

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        for scheme in ("postgresql://", "postgres://"):
            if value.startswith(scheme):
                value = "postgresql+asyncpg://" + value[len(scheme) :]
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "not a database URL; use postgresql://user:password@host:5432/name "
                "or sqlite+aiosqlite:///path/to/atende.db"
            ) from None
        if url.drivername not in DATABASE_DRIVERS:
            raise ValueError(
                f"unsupported database {url.drivername!r}; use postgresql://… or "
                "sqlite+aiosqlite:///…"
            )
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{(self.data_dir / 'atende.db').as_posix()}"
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def resolved_media_dir(self) -> Path:
        return self.media_dir or self.data_dir / "media"

    @property
    def run_embedded_worker(self) -> bool:
        if self.embedded_worker is not None:
            return self.embedded_worker
        return self.redis_url is None

    @property
    def is_simulator_enabled(self) -> bool:
        if self.simulator_enabled is not None:
            return self.simulator_enabled
        return self.environment != Environment.PRODUCTION

    @property
    def json_logs(self) -> bool:
        if self.log_json is not None:
            return self.log_json
        return self.environment == Environment.PRODUCTION

    def check_secrets(self, *variables: str) -> None:
        """Production refuses to start with any of these secrets empty or a placeholder."""
        if self.environment != Environment.PRODUCTION:
            return
        for variable in variables:
            if is_placeholder(getattr(self, variable.lower())):
                raise ConfigError(
                    variable,
                    f"not set or a placeholder; production needs {SECRET_HINTS[variable]}",
                )

    def resolved_jwt_secret(self) -> str:
        """The signing secret; production refuses to start without one."""
        if self.jwt_secret and not is_placeholder(self.jwt_secret):
            return self.jwt_secret
        self.check_secrets("JWT_SECRET")
        path = self.data_dir / "jwt_secret"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        path.write_text(value)
        path.chmod(0o600)
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
