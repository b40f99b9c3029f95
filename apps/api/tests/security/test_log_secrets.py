"""Secrets and message bodies never reach the logs, even at DEBUG and even when the database
fails mid-delivery: the app secret, the verify token, the global and per-number access tokens,
the JWT secret, passwords, access and refresh tokens, and the text customers and agents write."""

import asyncio
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
import socketio
from sqlalchemy import event

from atende.core.config import Settings
from atende.core.db import Database
from atende.core.logging import (
    QUIET_AT_DEBUG,
    JsonFormatter,
    RequestIdFilter,
    TextFormatter,
    configure_logging,
)
from atende.core.security import hash_password
from atende.messages.outbox import OutboxSender
from atende.users.models import Role
from atende.whatsapp.client import GraphClient
from atende.whatsapp.envelopes import contact, text_message, wrap
from atende.whatsapp.ratelimit import TokenBucket
from atende.whatsapp.signature import sign
from tests.factories import Factory
from tests.security.live import free_port, serve, settings_for_port

APP_SECRET = "AppSecret-7c1e9b0d44"
VERIFY_TOKEN = "VerifyToken-5d2a8e61f0"
GLOBAL_TOKEN = "GlobalToken-EAAG93kq1x"
NUMBER_TOKEN = "NumberToken-EAAG27hh4v"
JWT_SECRET = "JwtSecret-4f8b2c9e7a1d3f6b0e5c8a2d9f1b4e7c"
PASSWORD = "Password-Qz8!wX3#lo"
INBOUND = "InboundBody-ola-ninguem-ve-isto"
INBOUND_LOST = "InboundBodyDuringOutage-nao-logar"
OUTBOUND = "OutboundBody-resposta-do-agente"
PHONE_NUMBER_ID = "209988776600001"
CUSTOMER = "5511987650042"


class Capture(logging.Handler):
    """Every record, rendered by both of the app's formatters (extras and tracebacks too)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.addFilter(RequestIdFilter())
        self.texts: list[str] = []
        self._json = JsonFormatter()
        self._text = TextFormatter("%(name)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        rendered = [self._json.format(record), self._text.format(record), repr(record.args)]
        self.texts.append("\n".join(rendered))


@contextmanager
def capture_debug_logs() -> Iterator[Capture]:
    """What LOG_LEVEL=DEBUG configures (core.logging.configure_logging), captured in memory;
    the logging setup of the test run is put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    names = ("uvicorn.access", *QUIET_AT_DEBUG)
    levels = {name: logging.getLogger(name).level for name in names}
    configure_logging(level="DEBUG", json_logs=True)
    handler = Capture()
    root.handlers[:] = [handler]
    try:
        yield handler
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, saved in levels.items():
            logging.getLogger(name).setLevel(saved)


@contextmanager
def database_failing_on(db: Database, marker: str) -> Iterator[None]:
    """Statements containing `marker` fail as a dropped connection does, at the driver."""
    error = db.engine.dialect.loaded_dbapi.OperationalError

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if marker in statement:
            raise error("server closed the connection unexpectedly")

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", before)


def signed(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)}


def inbound(text: str, wamid: str) -> bytes:
    document = wrap(
        phone_number_id=PHONE_NUMBER_ID,
        display_phone_number="15557770100",
        value={
            "contacts": [contact(wa_id=CUSTOMER, name="Cliente")],
            "messages": [text_message(wa_id=CUSTOMER, text=text, wamid=wamid)],
        },
    )
    return orjson.dumps(document)


async def test_nothing_secret_is_logged_at_debug(
    settings: Settings, db: Database, factory: Factory
) -> None:
    port = free_port()
    config = settings_for_port(
        settings,
        port,
        whatsapp_app_secret=APP_SECRET,
        whatsapp_verify_token=VERIFY_TOKEN,
        whatsapp_token=GLOBAL_TOKEN,
        jwt_secret=JWT_SECRET,
        log_level="DEBUG",
    )
    admin = await factory.user(role=Role.ADMIN, email="root@example.com")
    admin.password_hash = hash_password(PASSWORD)
    team = await factory.team()
    await factory.commit()
    secrets = [APP_SECRET, VERIFY_TOKEN, GLOBAL_TOKEN, NUMBER_TOKEN, JWT_SECRET, PASSWORD]
    secrets += [INBOUND, INBOUND_LOST, OUTBOUND]

    with capture_debug_logs() as logs:
        async with serve(config, db, port) as asgi_app:
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base) as http:
                verified = await http.get(
                    "/webhook/whatsapp",
                    params={
                        "hub.mode": "subscribe",
                        "hub.verify_token": VERIFY_TOKEN,
                        "hub.challenge": "42",
                    },
                )
                assert verified.status_code == 200
                failed_login = await http.post(
                    "/api/auth/login",
                    json={"email": "root@example.com", "password": PASSWORD + "x"},
                )
                assert failed_login.status_code == 401
                login = await http.post(
                    "/api/auth/login", json={"email": "root@example.com", "password": PASSWORD}
                )
                assert login.status_code == 200
                tokens = login.json()
                refreshed = (
                    await http.post(
                        "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
                    )
                ).json()
                secrets += [tokens["access_token"], tokens["refresh_token"]]
                secrets += [refreshed["access_token"], refreshed["refresh_token"]]
                http.headers["Authorization"] = f"Bearer {refreshed['access_token']}"

                number = await http.post(
                    "/api/numbers",
                    json={
                        "phone_number_id": PHONE_NUMBER_ID,
                        "display_phone_number": "15557770100",
                        "label": "Vendas",
                        "access_token": NUMBER_TOKEN,
                        "default_team_id": str(team.id),
                        "simulated": True,
                    },
                )
                assert number.status_code == 201, number.text
                bad_number = await http.post(
                    "/api/numbers",
                    json={"phone_number_id": "x", "label": "", "access_token": NUMBER_TOKEN},
                )
                assert bad_number.status_code == 422

                sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
                await sio.connect(
                    base, auth={"token": refreshed["access_token"]}, transports=["websocket"]
                )
                statuses: list[Any] = []
                sio.on("message:status", lambda data: statuses.append(data))

                body = inbound(INBOUND, "wamid.logs.1")
                assert (
                    await http.post("/webhook/whatsapp", content=body, headers=signed(body))
                ).status_code == 200
                forged = await http.post(
                    "/webhook/whatsapp",
                    content=body,
                    headers={"X-Hub-Signature-256": "sha256=" + "0" * 64},
                )
                assert forged.status_code == 401

                conversations = (
                    await http.get("/api/conversations", params={"view": "all"})
                ).json()
                conversation_id = conversations["items"][0]["id"]
                sent = await http.post(
                    f"/api/conversations/{conversation_id}/messages",
                    json={"type": "text", "text": OUTBOUND},
                )
                assert sent.status_code == 202, sent.text

                # The outbox sends through real HTTP to the simulator, with the number's token;
                # the simulator answers with signed status webhooks.
                graph = GraphClient.from_settings(config)
                sender = OutboxSender(
                    db, config, graph=graph, limiter=TokenBucket(), secret=JWT_SECRET
                )
                try:
                    assert (await sender.run_once()).sent == 1
                finally:
                    await sender.aclose()
                    await graph.aclose()
                deadline = time.monotonic() + 10
                while not any(s["status"] == "delivered" for s in statuses):
                    assert time.monotonic() < deadline, statuses
                    await asyncio.sleep(0.05)

                # A database failure in the middle of a delivery: logged, but not its data.
                lost = inbound(INBOUND_LOST, "wamid.logs.2")
                with database_failing_on(db, "INSERT INTO messages"):
                    outage = await http.post(
                        "/webhook/whatsapp", content=lost, headers=signed(lost)
                    )
                assert outage.status_code == 503, outage.text

                bad_token = await http.get(
                    "/api/auth/me", headers={"Authorization": f"Bearer {JWT_SECRET}.x.y"}
                )
                assert bad_token.status_code == 401
                out = await http.post(
                    "/api/auth/logout", json={"refresh_token": refreshed["refresh_token"]}
                )
                assert out.status_code == 204
                await sio.disconnect()
            assert asgi_app is not None

    assert len(logs.texts) > 20  # the capture saw the traffic
    leaks = {
        secret[:24]: sorted({_logger_of(text) for text in logs.texts if secret in text})
        for secret in secrets
    }
    assert {k: v for k, v in leaks.items() if v} == {}


def _logger_of(text: str) -> str:
    return str(orjson.loads(text.split("\n", 1)[0])["logger"])
