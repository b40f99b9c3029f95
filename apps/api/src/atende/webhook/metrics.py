"""Counts and times webhook POSTs by result over the whole delivery (body, signature check,
parse, commit), so a refusal by a gate is counted as well as an accepted delivery."""

from atende.metrics.instruments import WEBHOOK_LATENCY, WEBHOOK_REQUESTS, WEBHOOK_RESULTS

_COUNTERS = {result: WEBHOOK_REQUESTS.labels(result=result) for result in WEBHOOK_RESULTS}


def result_of(status: int) -> str:
    if status < 400:
        return "accepted"
    if status == 401:
        return "bad_signature"
    # 499: the client left mid-body; nothing was wrong with what it sent.
    if status < 500 and status != 499:
        return "invalid"
    return "error"


def observe(status: int, seconds: float) -> None:
    _COUNTERS[result_of(status)].inc()
    WEBHOOK_LATENCY.observe(seconds)
