"""A minimal fake Graph API for the outbound benchmark, run in its own process.

`POST /<version>/<phone_number_id>/messages` answers Meta's send response after `--latency-ms`
and logs the call: arrival and answer times (Unix seconds), the phone_number_id and the
request's `biz_opaque_callback_data` (Atende puts the message id there, so a message sent
twice shows up twice). `GET /_log` returns the log as JSON; `POST /_reset` clears it.
Plain asyncio streams on uvloop, HTTP/1.1 keep-alive, no framework: the fake must cost far
less than what it fakes.

    python floors/fake_graph.py --port 9999 --latency-ms 100
"""

import argparse
import asyncio
import itertools
import sys
import time

import orjson

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None

# [arrived, answered, phone_number_id, callback]
LOG: list[tuple[float, float, str, str]] = []
_wamids = itertools.count(1)


def _response(status: int, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def handle(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, latency: float
) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            arrived = time.time()
            lines = head.split(b"\r\n")
            method, path, _ = lines[0].decode().split(" ", 2)
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length) if length else b""
            if method == "GET" and path == "/_log":
                writer.write(_response(200, orjson.dumps(LOG)))
            elif method == "POST" and path == "/_reset":
                LOG.clear()
                writer.write(_response(200, b"{}"))
            elif method == "POST" and path.endswith("/messages"):
                request = orjson.loads(body)
                await asyncio.sleep(latency)
                phone_number_id = path.rstrip("/").split("/")[-2]
                to = request.get("to", "")
                wamid = f"wamid.FAKE{next(_wamids):020d}"
                answer = {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": to}],
                    "messages": [{"id": wamid}],
                }
                writer.write(_response(200, orjson.dumps(answer)))
                callback = str(request.get("biz_opaque_callback_data", ""))
                LOG.append((arrived, time.time(), phone_number_id, callback))
            else:
                writer.write(_response(404, b'{"error":{"message":"not found","code":100}}'))
            await writer.drain()
    finally:
        writer.close()


async def serve(port: int, latency: float) -> None:
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, latency), "127.0.0.1", port, backlog=4096
    )
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    args = parser.parse_args()
    coro = serve(args.port, args.latency_ms / 1000)
    if uvloop is not None:
        uvloop.run(coro)
    else:  # pragma: no cover
        asyncio.run(coro)


if __name__ == "__main__":
    main()
