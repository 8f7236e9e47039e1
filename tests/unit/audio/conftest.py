"""Audio unit tests: no devices; a WARNING logged during a test fails it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_warning_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.INFO)
    yield
    bad = [r for r in caplog.get_records("call") if r.levelno >= logging.WARNING]
    assert not bad, f"warnings logged: {[r.getMessage() for r in bad]}"
