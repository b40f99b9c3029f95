import httpx
import pytest

from atende.users.models import Role
from tests.factories import DEFAULT_PASSWORD, Factory


async def _login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": password})


async def test_login_returns_tokens_and_user(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user(role=Role.ADMIN, email="Ana@Example.com")
    await factory.commit()
    response = await _login(client, "ana@example.com", DEFAULT_PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert body["user"] == {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "role": "ADMIN",
    }
    me = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["teams"] == []


async def test_unknown_email_and_wrong_password_get_the_same_401(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    await factory.user(email="bob@example.com")
    await factory.commit()
    wrong = await _login(client, "bob@example.com", "nope-nope")
    unknown = await _login(client, "nobody@example.com", "nope-nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"


async def test_inactive_user_cannot_log_in(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.user(email="gone@example.com", is_active=False)
    await factory.commit()
    response = await _login(client, "gone@example.com", DEFAULT_PASSWORD)
    assert response.status_code == 401


async def test_repeated_failures_are_throttled(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.user(email="carol@example.com")
    await factory.commit()
    for _ in range(5):
        assert (await _login(client, "carol@example.com", "bad-password")).status_code == 401
    throttled = await _login(client, "carol@example.com", DEFAULT_PASSWORD)
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "too_many_requests"
    assert int(throttled.headers["retry-after"]) > 0


async def test_refresh_rotates_and_reuse_revokes_family(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    await factory.user(email="dan@example.com")
    await factory.commit()
    first = (await _login(client, "dan@example.com", DEFAULT_PASSWORD)).json()
    second = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    second_tokens = second.json()
    assert second_tokens["refresh_token"] != first["refresh_token"]

    reused = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "invalid_refresh_token"
    # The reuse killed the family: the newest token is dead too.
    after = await client.post(
        "/api/auth/refresh", json={"refresh_token": second_tokens["refresh_token"]}
    )
    assert after.status_code == 401


async def test_logout_kills_the_refresh_token(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.user(email="eve@example.com")
    await factory.commit()
    tokens = (await _login(client, "eve@example.com", DEFAULT_PASSWORD)).json()
    out = await client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    again = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer not-a-jwt",
        # alg: none with an ADMIN role claim must never be accepted.
        "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
        "eyJzdWIiOiIxIiwicm9sZSI6IkFETUlOIiwidHlwZSI6ImFjY2VzcyIsImV4cCI6OTk5OTk5OTk5OX0.",
    ],
)
async def test_protected_routes_need_a_valid_token(
    client: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = await client.get("/api/auth/me", headers=headers)
    assert response.status_code == 401
    assert "code" in response.json()["error"]


async def test_validation_errors_use_the_error_body(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login", json={"email": "x"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "invalid_input"
    assert body["error"]["fields"][0]["loc"] == ["body", "password"]
