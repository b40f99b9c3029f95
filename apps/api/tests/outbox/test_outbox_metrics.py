"""What the sender adds to /metrics: sent and failed transitions, Graph errors by code."""

import httpx
import respx
from prometheus_client import REGISTRY

from atende.core.db import Database
from tests.factories import Factory
from tests.outbox.conftest import GRAPH_URL, SenderFactory, Thread, queue
from tests.outbox.test_sender import accepted, graph_error


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@respx.mock
async def test_sent_and_failed_sends_and_graph_errors_are_counted(
    respx_mock: respx.MockRouter,
    factory: Factory,
    thread: Thread,
    make_sender: SenderFactory,
    db: Database,
) -> None:
    respx_mock.post(GRAPH_URL).mock(
        side_effect=[
            accepted("wamid.M1"),
            accepted("wamid.M2"),
            graph_error(400, 131026, "Message undeliverable"),
            httpx.ConnectError("refused"),
        ]
    )
    await queue(factory, thread.conversation, thread.contact, count=4)
    sent = sample("atende_outbound_status_transitions_total", status="sent")
    failed = sample("atende_outbound_status_transitions_total", status="failed")
    undeliverable = sample("atende_graph_errors_total", code="131026")
    network = sample("atende_graph_errors_total", code="network")
    sender = make_sender()

    stats = await sender.run_once()

    assert (stats.sent, stats.failed, stats.retried) == (2, 1, 1)
    assert sample("atende_outbound_status_transitions_total", status="sent") - sent == 2
    assert sample("atende_outbound_status_transitions_total", status="failed") - failed == 1
    assert sample("atende_graph_errors_total", code="131026") - undeliverable == 1
    assert sample("atende_graph_errors_total", code="network") - network == 1
