"""HTTP/1.1 load generator for pre-built requests, run in its own process.

Reads a file of raw requests (4-byte big-endian length + bytes each), sends each once over
keep-alive connections, either as fast as possible or at a fixed rate, and prints one JSON
line: counts, throughput and latency percentiles (measured from the intended send time at a
fixed rate, so a stalled server is not hidden by coordinated omission).
"""

import argparse
import asyncio
import json
import time
from urllib.parse import urlparse

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None


def load_requests(path: str) -> list[bytes]:
    with open(path, "rb") as f:
        data = f.read()
    out, i = [], 0
    while i < len(data):
        n = int.from_bytes(data[i : i + 4], "big")
        out.append(data[i + 4 : i + 4 + n])
        i += 4 + n
    return out


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        lname = name.strip().lower()
        if lname == b"content-length":
            length = int(value)
        elif lname == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", required=True)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rate", type=float, default=0, help="requests/s; 0 = saturate")
    args = parser.parse_args()

    url = urlparse(args.url)
    requests = load_requests(args.requests)
    queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        while True:
            item = await queue.get()
            if item is None:
                break
            intended, raw = item
            start = intended or time.perf_counter()
            writer.write(raw)
            try:
                status = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                statuses[-1] = statuses.get(-1, 0) + 1
                reader, writer = await asyncio.open_connection(url.hostname, url.port)
                continue
            latencies.append(time.perf_counter() - start)
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(args.connections)]
    started = time.perf_counter()
    if args.rate > 0:
        interval = 1.0 / args.rate
        for i, raw in enumerate(requests):
            due = started + i * interval
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((due, raw))
    else:
        for raw in requests:
            queue.put_nowait((0.0, raw))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return round(latencies[int((len(latencies) - 1) * q)] * 1000, 2) if latencies else -1

    print(
        json.dumps(
            {
                "sent": len(requests),
                "statuses": {str(k): v for k, v in statuses.items()},
                "elapsed_s": round(elapsed, 3),
                "requests_per_s": round(len(requests) / elapsed, 1),
                "p50_ms": pct(0.50),
                "p99_ms": pct(0.99),
            }
        )
    )


if __name__ == "__main__":
    if uvloop is not None:
        uvloop.install()
    asyncio.run(main())
