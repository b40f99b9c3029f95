"""Settings, read once from the environment (and an optional `.env`)."""

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret"}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message is meant for the operator."""


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
    webhook_max_body_bytes: int = 3 * 1024 * 1024 + 64 * 1024

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

    # First administrator created by `atende seed`; an empty password is generated and shown once.
    admin_email: str = "admin@atende.local"
    admin_password: str = ""

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{(self.data_dir / 'atende.db').as_posix()}"
        if self.database_url.startswith("postgresql://"):
            self.database_url = "postgresql+asyncpg://" + self.database_url[len("postgresql://") :]
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

    def resolved_jwt_secret(self) -> str:
        """The signing secret; production refuses to start without one."""
        if self.jwt_secret and self.jwt_secret not in PLACEHOLDER_SECRETS:
            return self.jwt_secret
        if self.environment == Environment.PRODUCTION:
            raise ConfigError(
                "JWT_SECRET is not set: production mode needs a long random JWT_SECRET "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
            )
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
