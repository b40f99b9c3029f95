"""The outbound floor: a bare asyncio + aiohttp sender, no database and no rate limit.

Posts `--messages` Graph send requests (the same body Atende sends for a text message)
round-robin over `--numbers`, at most `--concurrency` in flight, to the fake Graph API, and
prints one JSON line: how many were accepted, and the wall-clock (Unix) start and end.

    python floors/outbound_floor.py --url http://127.0.0.1:9999 --numbers 1,2 --messages 200
"""

import argparse
import asyncio
import json
import time

import aiohttp

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None


async def send_all(args: argparse.Namespace) -> dict[str, float | int]:
    numbers = args.numbers.split(",")
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(args.first, args.first + args.messages):
        queue.put_nowait(i)
    accepted = errors = 0
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    headers = {"Authorization": "Bearer floor", "Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=connector, headers=headers) as http:

        async def worker() -> None:
            nonlocal accepted, errors
            while not queue.empty():
                i = queue.get_nowait()
                number = numbers[i % len(numbers)]
                body = {
                    "messaging_product": "whatsapp",
                    "recipient_type": "individual",
                    "to": f"5511{700000000 + i % 5000:09d}",
                    "type": "text",
                    "text": {"body": f"floor message {i}"},
                    "biz_opaque_callback_data": f"floor-{i}",
                }
                url = f"{args.url}/v25.0/{number}/messages"
                async with http.post(url, data=json.dumps(body)) as response:
                    await response.read()
                    if response.status == 200:
                        accepted += 1
                    else:
                        errors += 1

        started = time.time()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        finished = time.time()
    return {"accepted": accepted, "errors": errors, "started": started, "finished": finished}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--numbers", required=True, help="comma-separated phone_number_ids")
    parser.add_argument("--messages", type=int, required=True)
    parser.add_argument("--first", type=int, default=0, help="index of the first message")
    parser.add_argument("--concurrency", type=int, default=128)
    args = parser.parse_args()
    coro = send_all(args)
    result = uvloop.run(coro) if uvloop is not None else asyncio.run(coro)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
