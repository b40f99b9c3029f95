import logging
from collections.abc import Callable
from typing import Any

import pytest

# The live uvicorn server and real socket.io clients of tests/realtime.
from tests.realtime.conftest import connect, server

__all__ = ["Report", "connect", "report", "server"]

logger = logging.getLogger("tests.reliability")

Report = Callable[[str, dict[str, Any]], None]


@pytest.fixture
def report(request: pytest.FixtureRequest, record_property: Callable[[str, Any], None]) -> Report:
    """Shows a scenario's figures on the terminal (whether it passes or not), in the log and
    in the JUnit report."""
    plugins = request.config.pluginmanager
    reporter = plugins.get_plugin("terminalreporter")
    capture = plugins.get_plugin("capturemanager")

    def _report(title: str, figures: dict[str, Any]) -> None:
        line = f"{request.node.nodeid}: {title}: {figures}"
        logger.info(line)
        for name, value in figures.items():
            record_property(name, value)
        if reporter is None:
            return
        if capture is None:
            reporter.write_line(line)
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)

    return _report
