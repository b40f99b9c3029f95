"""A bad configuration stops `atende` at once with one line naming the variable, never a
traceback: `atende: configuration error: <VAR>: <reason>`, exit code 2."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from atende.core.config import ConfigError, Environment, Settings

ATENDE = Path(sys.executable).with_name("atende")
GOOD_SECRETS = {
    "JWT_SECRET": "config-test-jwt-secret-long-enough-for-hs256",
    "WHATSAPP_APP_SECRET": "config-test-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "config-test-verify-token",
}


def run_atende(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key in ("PATH", "HOME", "LANG", "SYSTEMROOT", "TMPDIR")
    }
    environment |= {"DATA_DIR": str(tmp_path / "data"), **env}
    return subprocess.run(
        [str(ATENDE), *args],
        env=environment,
        # Away from any developer .env: the environment is the whole configuration.
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("env", "variable", "reason"),
    [
        (
            {"ENVIRONMENT": "production", **GOOD_SECRETS, "WHATSAPP_APP_SECRET": "dev-app-secret"},
            "WHATSAPP_APP_SECRET",
            "not set or a placeholder",
        ),
        (
            {"ENVIRONMENT": "production", **GOOD_SECRETS, "WHATSAPP_VERIFY_TOKEN": ""},
            "WHATSAPP_VERIFY_TOKEN",
            "not set or a placeholder",
        ),
        (
            {"ENVIRONMENT": "production", **GOOD_SECRETS, "JWT_SECRET": "change-me"},
            "JWT_SECRET",
            "not set or a placeholder",
        ),
        ({"DATABASE_URL": "mysql://atende@db/atende"}, "DATABASE_URL", "unsupported database"),
        ({"DATABASE_URL": "db.example.com:5432"}, "DATABASE_URL", "not a database URL"),
        ({"SEND_CONCURRENCY": "lots"}, "SEND_CONCURRENCY", "valid integer"),
        ({"ENVIRONMENT": "prod"}, "ENVIRONMENT", "'production'"),
    ],
    ids=["app-secret", "verify-token", "jwt-secret", "driver", "url", "integer", "environment"],
)
def test_serve_refuses_a_bad_configuration_in_one_line(
    tmp_path: Path, env: dict[str, str], variable: str, reason: str
) -> None:
    result = run_atende(tmp_path, "serve", "--port", "1", **env)

    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"atende: configuration error: {variable}: "), lines[0]
    assert reason in lines[0]
    # Secrets and URLs are named, never echoed.
    for value in env.values():
        if len(value) > 12:
            assert value not in lines[0]


@pytest.mark.slow
def test_the_worker_needs_a_real_jwt_secret_in_production(tmp_path: Path) -> None:
    result = run_atende(tmp_path, "worker", ENVIRONMENT="production", JWT_SECRET="")

    assert result.returncode == 2
    assert result.stderr.startswith("atende: configuration error: JWT_SECRET: not set")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.slow
def test_migrate_reports_an_unreachable_database_in_one_line(tmp_path: Path) -> None:
    result = run_atende(tmp_path, "migrate", DATABASE_URL="postgresql://atende@127.0.0.1:1/atende")

    assert result.returncode == 1
    assert result.stderr.startswith("atende: database error: ")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_every_invalid_variable_is_named_on_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEND_BATCH_SIZE", "many")
    monkeypatch.setenv("LOG_JSON", "perhaps")
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)  # type: ignore[call-arg]

    error = ConfigError.from_validation(caught.value)

    assert "\n" not in str(error)
    assert str(error).startswith(f"{error.variable}: ")
    assert "LOG_JSON: Input should be a valid boolean" in str(error)
    assert "SEND_BATCH_SIZE: Input should be a valid integer" in str(error)
    assert "many" not in str(error) and "perhaps" not in str(error)


def test_postgresql_urls_get_the_async_driver() -> None:
    for url in ("postgresql://u:p@db/atende", "postgres://u:p@db/atende"):
        assert Settings(database_url=url).database_url == "postgresql+asyncpg://u:p@db/atende"


def test_placeholders_are_only_refused_in_production(tmp_path: Path) -> None:
    Settings(environment=Environment.DEVELOPMENT, data_dir=tmp_path).check_secrets(
        "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"
    )
    production = Settings(environment=Environment.PRODUCTION, data_dir=tmp_path)
    with pytest.raises(ConfigError) as caught:
        production.check_secrets("WHATSAPP_APP_SECRET")
    assert caught.value.variable == "WHATSAPP_APP_SECRET"
    real = production.model_copy(update={"whatsapp_app_secret": "3f9c0a7d5e2b4c1a"})
    real.check_secrets("WHATSAPP_APP_SECRET")
