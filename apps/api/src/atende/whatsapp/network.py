"""httpcore's sockets on plain asyncio streams, for the Graph API client.

httpcore reaches asyncio through anyio, and on the outbox's hot path that layer cost about
half of the client's CPU per Graph call (a profile of `atende worker` sending at its rate
limits: anyio's checkpointed `send`, cancel scopes per read, and a dictionary of socket
attributes rebuilt by every connection-reuse check). This backend keeps httpcore's HTTP/1.1
and pooling and httpx's API and errors; only the byte stream underneath changes.
"""

# The `timeout` parameters are httpcore's interface, not a choice made here.
# ruff: noqa: ASYNC109

import asyncio
import functools
import ssl
from collections.abc import Coroutine, Iterable
from typing import Any

import httpcore
import httpx

# httpx's defaults (`httpx.Limits`): connections idle this long are closed.
KEEPALIVE_EXPIRY_SECONDS = 5.0


class AsyncioStream(httpcore.AsyncNetworkStream):
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as e:
            raise httpcore.ReadTimeout("read timed out") from e
        except OSError as e:
            raise httpcore.ReadError(str(e)) from e

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            self._writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self._writer.drain()
        except TimeoutError as e:
            raise httpcore.WriteTimeout("write timed out") from e
        except OSError as e:
            raise httpcore.WriteError(str(e)) from e

    async def aclose(self) -> None:
        # Not awaiting the close: a peer that never answers TLS close_notify would hold it.
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as e:
            raise httpcore.ConnectTimeout("TLS handshake timed out") from e
        except (OSError, ssl.SSLError) as e:
            raise httpcore.ConnectError(str(e)) from e
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # Asked of an idle pooled connection: the server closed it (or broke it) and it
            # must not be reused. asyncio has already read any EOF or error into the reader.
            return (
                self._reader.at_eof()
                or self._reader.exception() is not None
                or self._writer.is_closing()
            )
        name = {"client_addr": "sockname", "server_addr": "peername"}.get(info, info)
        if name in ("ssl_object", "sockname", "peername", "socket"):
            return self._writer.get_extra_info(name)
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        local_addr = (local_address, 0) if local_address else None
        return await _connected(
            asyncio.open_connection(host, port, local_addr=local_addr), timeout, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await _connected(asyncio.open_unix_connection(path), timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _connected(
    opening: Coroutine[Any, Any, tuple[asyncio.StreamReader, asyncio.StreamWriter]],
    timeout: float | None,
    socket_options: Iterable[httpcore.SOCKET_OPTION] | None,
) -> AsyncioStream:
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await opening
    except TimeoutError as e:
        raise httpcore.ConnectTimeout("connect timed out") from e
    except OSError as e:
        raise httpcore.ConnectError(str(e)) from e
    sock = writer.get_extra_info("socket")
    for option in socket_options or ():
        sock.setsockopt(*option)
    return AsyncioStream(reader, writer)


def asyncio_transport(
    connections: int, *, ssl_context: ssl.SSLContext | None = None
) -> httpx.AsyncHTTPTransport:
    """httpx's own transport (TLS verification, error mapping) over `AsyncioBackend`;
    certificates are checked against the system's CAs unless `ssl_context` says otherwise."""
    context = ssl_context or _default_ssl_context()
    transport = httpx.AsyncHTTPTransport(verify=context)
    # httpx takes no network backend, so its connection pool is replaced by one built the
    # same way (httpx's defaults) with this backend.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=context,
        max_connections=connections,
        max_keepalive_connections=connections,
        keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS,
        network_backend=AsyncioBackend(),
    )
    return transport


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes ~18 ms, and a client has one pool per few connections:
    # one context serves them all.
    return httpx.create_ssl_context()
