# The live uvicorn server and real socket.io clients of tests/realtime.
from tests.realtime.conftest import connect, server

__all__ = ["connect", "server"]
