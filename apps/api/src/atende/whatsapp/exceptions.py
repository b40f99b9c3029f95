"""Graph API failures, classified once so the outbox only asks "retry or fail?"."""

# Throughput limits (cloud-api.md §11): back off, and slow the whole number down.
THROTTLE_CODES = frozenset({4, 80007, 130429})
# Too many messages to one recipient: delay only that message.
PAIR_RATE_LIMIT = 131056
# Transient Graph failures worth a few more tries (unknown error, service unavailable,
# maintenance during a throughput upgrade, generic API errors 1 and 2).
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016, 131057})
RETRYABLE_CODES = THROTTLE_CODES | TRANSIENT_CODES | {PAIR_RATE_LIMIT}


class WhatsAppError(Exception):
    """A failed Graph API call: Meta's error (code, title, details) or a transport failure."""

    def __init__(
        self,
        title: str,
        *,
        code: int | None = None,
        subcode: int | None = None,
        details: str | None = None,
        http_status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        fbtrace_id: str | None = None,
    ) -> None:
        super().__init__(f"({code}) {title}" if code is not None else title)
        self.title = title
        self.code = code
        self.subcode = subcode
        self.details = details
        self.http_status = http_status
        self.retryable = retryable
        self.retry_after = retry_after
        self.fbtrace_id = fbtrace_id

    @property
    def is_throttle(self) -> bool:
        """The number (not just this recipient) is over its limit."""
        return self.code in THROTTLE_CODES or (
            self.http_status == 429 and self.code != PAIR_RATE_LIMIT
        )


def is_retryable(*, code: int | None, http_status: int | None, is_transient: bool | None) -> bool:
    """Meta advises keying off `error.code`; the HTTP status decides only without a known code."""
    if code in RETRYABLE_CODES:
        return True
    if http_status == 429:
        return True
    if is_transient:
        return True
    if code is not None and http_status is not None and http_status < 500:
        return False
    return http_status is None or http_status >= 500 or http_status == 408
