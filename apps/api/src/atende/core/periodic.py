"""A background task that repeats for as long as the process runs."""

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod


class PeriodicTask(ABC):
    """Calls `tick` `first_delay` seconds after `start`, then every `interval` seconds until
    `stop`; off when `interval` is 0. A tick that raises is logged (on the subclass's module
    logger, as `failure_message`) and the next one runs as planned."""

    task_name = "periodic-task"
    failure_message = "periodic task failed"

    def __init__(self, *, interval: float, first_delay: float) -> None:
        self.interval = interval
        self.first_delay = first_delay
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @abstractmethod
    async def tick(self) -> None: ...

    def enabled(self) -> bool:
        return self.interval > 0

    def start(self) -> None:
        if self.enabled():
            self._task = asyncio.create_task(self.run(), name=self.task_name)

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        delay = self.first_delay
        while not await self._wait(delay):
            try:
                await self.tick()
            except Exception:
                logging.getLogger(type(self).__module__).exception(self.failure_message)
            delay = self.interval

    async def _wait(self, seconds: float) -> bool:
        """True once stopped; False after `seconds`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
        return self._stop.is_set()
