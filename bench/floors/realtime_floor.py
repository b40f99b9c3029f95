"""The realtime floor: a bare python-socketio ASGI app that, on each webhook POST, emits
`message:new` to the sockets of the number's room, and nothing else.

A socket joins the rooms named in its `auth.token` (comma-separated phone_number_ids: the
numbers of its teams). With FLOOR_REDIS_URL set, emits go through socket.io's Redis manager
(FLOOR_CHANNEL), as Atende's do, so two processes can share the sockets.

    uvicorn floors.realtime_floor:app
"""

import os
from typing import Any

import orjson
import socketio

REDIS_URL = os.environ.get("FLOOR_REDIS_URL") or None
CHANNEL = os.environ.get("FLOOR_CHANNEL", "floor")


class Json:
    """orjson for packets and the Redis channel, like Atende."""

    @staticmethod
    def dumps(obj: Any, **_kwargs: Any) -> str:
        return orjson.dumps(obj).decode()

    @staticmethod
    def loads(data: str | bytes) -> Any:
        return orjson.loads(data)


manager = socketio.AsyncRedisManager(REDIS_URL, channel=CHANNEL, json=Json) if REDIS_URL else None
sio = socketio.AsyncServer(
    async_mode="asgi", client_manager=manager, json=Json, cors_allowed_origins="*"
)


@sio.event
async def connect(sid: str, _environ: dict[str, Any], auth: Any) -> None:
    token = auth.get("token", "") if isinstance(auth, dict) else ""
    for room in str(token).split(","):
        if room:
            await sio.enter_room(sid, room)


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def http_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = await _read_body(receive)
    value = orjson.loads(body)["entry"][0]["changes"][0]["value"]
    message = value["messages"][0]
    # A payload of the same shape and about the same size as Atende's event.
    payload = {
        "conversation": {"contact": value["contacts"][0], "metadata": value["metadata"]},
        "message": {"wamid": message["id"], "type": message["type"], "text": message["text"]},
    }
    await sio.emit("message:new", payload, to=value["metadata"]["phone_number_id"])
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


app = socketio.ASGIApp(sio, other_asgi_app=http_app)
