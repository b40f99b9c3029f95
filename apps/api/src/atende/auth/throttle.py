"""Login throttling per (email, client IP): a sliding window of recent failures."""

import time
from collections import deque


class LoginThrottle:
    def __init__(self, *, max_failures: int, window_seconds: int) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def retry_after(self, email: str, ip: str) -> int:
        """Seconds until another attempt is allowed (0 when allowed now)."""
        now = time.monotonic()
        failures = self._recent((email, ip), now)
        if len(failures) < self.max_failures:
            return 0
        return max(1, int(failures[0] + self.window_seconds - now) + 1)

    def record_failure(self, email: str, ip: str) -> None:
        key = (email, ip)
        self._recent(key, time.monotonic())
        self._failures.setdefault(key, deque()).append(time.monotonic())

    def reset(self, email: str, ip: str) -> None:
        self._failures.pop((email, ip), None)
