"""Access tokens that must never work, refresh-token races, login throttling without
enumeration, and the password policy."""

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
import jwt
import pytest
from argon2 import PasswordHasher

from atende.core import security
from atende.core.config import Settings
from atende.core.db import Database
from atende.main import create_app
from atende.users.models import Role, User
from tests.factories import DEFAULT_PASSWORD, Factory

OTHER_SECRET = "another-secret-that-is-long-enough-for-hs256-too"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    """A JWT built by hand, HMAC-signed with `key` (or with no signature)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    if key is None:
        return signing_input + "."
    algorithm = hashlib.sha512 if header.get("alg") == "HS512" else hashlib.sha256
    digest = hmac.new(key, signing_input.encode(), algorithm).digest()
    return f"{signing_input}.{b64(digest)}"


def claims_for(user: User, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(user.id),
        "role": user.role,
        "type": "access",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


async def me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})


async def test_forged_and_stale_access_tokens_are_refused(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    agent = await factory.user(role=Role.AGENT)
    gone = await factory.user(role=Role.ADMIN, is_active=False)
    await factory.commit()
    secret = settings.resolved_jwt_secret()
    key = secret.encode()
    hs256 = {"alg": "HS256", "typ": "JWT"}
    valid = factory.token_for(agent)
    head, body, signature = valid.split(".")
    as_admin = b64(json.dumps(claims_for(agent, role="ADMIN")).encode())
    cases = {
        "expired": (
            jwt.encode(claims_for(agent, iat=1, exp=int(time.time()) - 5), secret, "HS256"),
            "token_expired",
        ),
        "other key claiming ADMIN": (
            jwt.encode(claims_for(agent, role="ADMIN"), OTHER_SECRET, "HS256"),
            "invalid_token",
        ),
        "alg none": (forge({"alg": "none"}, claims_for(agent, role="ADMIN"), None), None),
        "alg None": (forge({"alg": "None"}, claims_for(agent, role="ADMIN"), None), None),
        "alg none, HS256 signature": (forge({"alg": "none"}, claims_for(agent), key), None),
        "alg HS512": (forge({"alg": "HS512"}, claims_for(agent), key), "invalid_token"),
        "role edited, signature kept": (f"{head}.{as_admin}.{signature}", "invalid_token"),
        "signature dropped": (f"{head}.{body}.", "invalid_token"),
        "signature of another token": (
            f"{head}.{body}.{factory.token_for(gone).split('.')[2]}",
            "invalid_token",
        ),
        "refresh type": (forge(hs256, claims_for(agent, type="refresh"), key), "invalid_token"),
        "no type": (forge(hs256, claims_for(agent, type=None), key), "invalid_token"),
        "no exp": (forge(hs256, claims_for(agent, exp=None), key), "invalid_token"),
        "no sub": (forge(hs256, claims_for(agent, sub=None), key), "invalid_token"),
        "sub not a uuid": (forge(hs256, claims_for(agent, sub="1 OR 1=1"), key), "invalid_token"),
        "sub of nobody": (forge(hs256, claims_for(agent, sub=str(uuid.uuid4())), key), None),
        "deactivated user": (factory.token_for(gone), "invalid_token"),
        "kid path": (forge({**hs256, "kid": "../../../dev/null"}, claims_for(agent), b""), None),
        "empty key": (forge(hs256, claims_for(agent, role="ADMIN"), b""), "invalid_token"),
    }

    for name, (token, code) in cases.items():
        response = await me(client, token)
        assert response.status_code == 401, (name, response.text)
        if code is not None:
            assert response.json()["error"]["code"] == code, name
    assert (await me(client, valid)).status_code == 200


async def test_the_role_comes_from_the_database_not_from_the_token(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    """Even a correctly signed token claiming ADMIN gives an agent nothing more."""
    agent = await factory.user(role=Role.AGENT)
    await factory.commit()
    token = jwt.encode(
        claims_for(agent, role="ADMIN"), settings.resolved_jwt_secret(), algorithm="HS256"
    )

    response = await client.get("/api/users", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 403
    assert (await me(client, token)).json()["role"] == "AGENT"


async def test_demoted_user_loses_the_role_at_the_next_request(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.user(role=Role.ADMIN)
    other = await factory.user(role=Role.ADMIN)
    await factory.commit()
    token_headers = factory.auth(other)
    assert (await client.get("/api/users", headers=token_headers)).status_code == 200

    demoted = await client.patch(
        f"/api/users/{other.id}", headers=factory.auth(admin), json={"role": "AGENT"}
    )

    assert demoted.status_code == 200
    assert (await client.get("/api/users", headers=token_headers)).status_code == 403


async def _login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": password})


async def test_racing_refreshes_of_one_token_give_one_new_pair(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    await factory.user(email="race@example.com")
    await factory.commit()
    tokens = (await _login(client, "race@example.com", DEFAULT_PASSWORD)).json()

    responses = await asyncio.gather(
        *(
            client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
            for _ in range(4)
        )
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) <= 1, [r.text for r in responses]
    assert set(statuses) <= {200, 401}, [r.text for r in responses]
    # Whoever won, the race counts as reuse: the family is dead.
    for response in responses:
        if response.status_code == 200:
            again = await client.post(
                "/api/auth/refresh", json={"refresh_token": response.json()["refresh_token"]}
            )
            assert again.status_code == 401


async def test_refresh_refuses_what_is_not_a_live_refresh_token(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    await factory.user(email="fake@example.com")
    await factory.commit()
    tokens = (await _login(client, "fake@example.com", DEFAULT_PASSWORD)).json()

    for candidate in (tokens["access_token"][:512], "", "x", "' OR '1'='1", "\u0000"):
        response = await client.post("/api/auth/refresh", json={"refresh_token": candidate})
        assert response.status_code == 401, (candidate, response.text)
        assert response.json()["error"]["code"] == "invalid_refresh_token"
    too_long = await client.post("/api/auth/refresh", json={"refresh_token": "x" * 10_000})
    assert too_long.status_code == 422
    # None of that touched the real token.
    assert (
        await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    ).status_code == 200


async def test_logout_ends_the_family_but_not_other_logins(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    await factory.user(email="two@example.com")
    await factory.commit()
    laptop = (await _login(client, "two@example.com", DEFAULT_PASSWORD)).json()
    phone = (await _login(client, "two@example.com", DEFAULT_PASSWORD)).json()
    rotated = (
        await client.post("/api/auth/refresh", json={"refresh_token": laptop["refresh_token"]})
    ).json()

    out = await client.post("/api/auth/logout", json={"refresh_token": laptop["refresh_token"]})

    assert out.status_code == 204
    dead = await client.post("/api/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert dead.status_code == 401
    alive = await client.post("/api/auth/refresh", json={"refresh_token": phone["refresh_token"]})
    assert alive.status_code == 200
    # Logging out with garbage reveals nothing.
    unknown = await client.post("/api/auth/logout", json={"refresh_token": "nope"})
    assert unknown.status_code == 204


# -- enumeration and throttling ----------------------------------------------------------------


@pytest.mark.sqlite_only
async def test_unknown_email_wrong_password_and_inactive_user_look_the_same(
    client: httpx.AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await factory.user(email="known@example.com")
    await factory.user(email="inactive@example.com", is_active=False)
    await factory.commit()
    calls: list[str] = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            calls.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(security, "_hasher", CountingHasher())
    attempts = {
        "unknown": ("nobody@example.com", "Wrong-password-1"),
        "wrong": ("known@example.com", "Wrong-password-1"),
        "inactive": ("inactive@example.com", DEFAULT_PASSWORD),
    }
    answers: dict[str, httpx.Response] = {}
    seconds: dict[str, list[float]] = {name: [] for name in attempts}
    for _ in range(2):
        for name, (email, password) in attempts.items():
            calls.clear()
            started = time.perf_counter()
            answers[name] = await _login(client, email, password)
            seconds[name].append(time.perf_counter() - started)
            # Every path pays for one argon2 verification, so none answers measurably faster.
            assert len(calls) == 1, name

    bodies = {name: (r.status_code, r.json()) for name, r in answers.items()}
    assert len(set(json.dumps(b, sort_keys=True) for b in bodies.values())) == 1, bodies
    assert answers["unknown"].status_code == 401
    assert set(answers["unknown"].headers) == set(answers["wrong"].headers)
    fastest = {name: min(values) for name, values in seconds.items()}
    assert fastest["unknown"] > fastest["wrong"] / 5, fastest


@pytest.fixture
async def strict_client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The API with throttling after two failures (fewer slow argon2 checks to get there)."""
    application = create_app(settings.model_copy(update={"login_max_failures": 2}), database=db)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


@pytest.mark.sqlite_only
async def test_throttling_answers_the_same_for_unknown_and_known_emails(
    strict_client: httpx.AsyncClient, factory: Factory
) -> None:
    client = strict_client
    await factory.user(email="real@example.com")
    await factory.commit()
    for email in ("real@example.com", "ghost@example.com"):
        for _ in range(2):
            assert (await _login(client, email, "Wrong-password-1")).status_code == 401

    real = await _login(client, "real@example.com", DEFAULT_PASSWORD)
    ghost = await _login(client, "ghost@example.com", DEFAULT_PASSWORD)

    assert real.status_code == ghost.status_code == 429
    assert real.json() == ghost.json()
    # Case and spaces do not open a fresh window.
    variant = await _login(client, "  REAL@Example.com ", DEFAULT_PASSWORD)
    assert variant.status_code == 429
    # Another account from the same client is not locked out by it.
    other = await factory.user(email="other@example.com")
    await factory.commit()
    assert (await _login(client, other.email, DEFAULT_PASSWORD)).status_code == 200


# -- password policy ---------------------------------------------------------------------------

WEAK_PASSWORDS = [
    "",
    "Sh0rt!",
    "123456789",
    "1234567890",
    "abcdefghij",
    "aaaaaaaaaaaaaaaaaaaaaaaa",
    "abababababababababab",
    "Aa1Aa1Aa1Aa1",  # mixed classes, but three distinct characters
    "          ",
]
STRONG_PASSWORDS = [
    "Str0ng-enough",
    "correct horse battery staple",
    "senha-com-acentuação-ç",
    "Ünïcødé-pässwörd-9",
    "x" * 20 + "Y1!",
    "🔐🔑🗝️🛡️-Segura-2026",
]


@pytest.mark.sqlite_only
async def test_password_policy_on_create_and_update(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.user(role=Role.ADMIN)
    target = await factory.user(email="target@example.com")
    await factory.commit()
    headers = factory.auth(admin)

    for index, password in enumerate(WEAK_PASSWORDS):
        created = await client.post(
            "/api/users",
            headers=headers,
            json={"email": f"weak{index}@example.com", "name": "W", "password": password},
        )
        updated = await client.patch(
            f"/api/users/{target.id}", headers=headers, json={"password": password}
        )
        assert created.status_code == updated.status_code == 422, (password, created.text)
        assert created.json()["error"]["code"] == "weak_password", password

    for index, password in enumerate(STRONG_PASSWORDS):
        created = await client.post(
            "/api/users",
            headers=headers,
            json={"email": f"strong{index}@example.com", "name": "S", "password": password},
        )
        assert created.status_code == 201, (password, created.text)
    for index in (2, 5):
        login = await _login(client, f"strong{index}@example.com", STRONG_PASSWORDS[index])
        assert login.status_code == 200, STRONG_PASSWORDS[index]
    too_long = await client.post(
        "/api/users",
        headers=headers,
        json={"email": "long@example.com", "name": "L", "password": "Aa1!" * 300},
    )
    assert too_long.status_code == 422


def test_expired_tokens_are_told_apart_for_the_client_to_refresh(settings: Settings) -> None:
    secret = settings.resolved_jwt_secret()
    token = security.create_access_token(
        secret=secret,
        user_id=uuid.uuid4(),
        role="AGENT",
        minutes=15,
        now=datetime.now(UTC) - timedelta(minutes=16),
    )
    with pytest.raises(security.TokenExpired):
        security.decode_access_token(token, secret=secret)
