"""The Graph client's asyncio network backend against real sockets: TLS, connection reuse,
connections the server closed while idle, and timeouts mapped to httpx's errors."""

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from atende.whatsapp.network import asyncio_transport

OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _self_signed(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context for 127.0.0.1 and a client context that trusts only it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


class Server:
    def __init__(self) -> None:
        self.connections = 0
        self.requests = 0
        self.port = 0


async def _serve(
    handler: Handler, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[Server]:
    state = Server()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0, ssl=ssl_context)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()


def _answering(state: list[Server], *, close_after: bool = False) -> Handler:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await reader.readuntil(b"\r\n\r\n")
            state[0].requests += 1
            writer.write(OK)
            await writer.drain()
            if close_after:
                return

    return handler


@pytest.fixture
async def tls(tmp_path: Path) -> AsyncIterator[tuple[Server, ssl.SSLContext]]:
    server_context, client_context = _self_signed(tmp_path)
    holder: list[Server] = []
    async for state in _serve(_answering(holder), server_context):
        holder.append(state)
        yield state, client_context


async def test_https_requests_reuse_one_connection(tls: tuple[Server, ssl.SSLContext]) -> None:
    server, client_context = tls
    transport = asyncio_transport(4, ssl_context=client_context)
    async with httpx.AsyncClient(transport=transport) as client:
        for _ in range(3):
            response = await client.get(f"https://127.0.0.1:{server.port}/v25.0/me")
            assert response.status_code == 200
            assert response.json() == {"ok": True}
    assert server.requests == 3
    assert server.connections == 1


async def test_https_refuses_a_certificate_it_does_not_trust(
    tls: tuple[Server, ssl.SSLContext],
) -> None:
    server, _ = tls
    async with httpx.AsyncClient(transport=asyncio_transport(4)) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"https://127.0.0.1:{server.port}/v25.0/me")


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    holder: list[Server] = []
    async for server in _serve(_answering(holder, close_after=True)):
        holder.append(server)
        async with httpx.AsyncClient(transport=asyncio_transport(4)) as client:
            for _ in range(3):
                response = await client.get(f"http://127.0.0.1:{server.port}/")
                assert response.status_code == 200
                await asyncio.sleep(0.05)  # the server's FIN arrives while the connection idles
        assert server.requests == 3
        assert server.connections == 3


async def test_timeouts_and_refusals_are_httpx_errors() -> None:
    async def silent(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async for server in _serve(silent):
        async with httpx.AsyncClient(transport=asyncio_transport(4), timeout=0.2) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get(f"http://127.0.0.1:{server.port}/")
        port = server.port
    async with httpx.AsyncClient(transport=asyncio_transport(4), timeout=1) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")
