"""History unit-test fixtures: a WARNING (or worse) log record fails the test unless it expects it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture
def expected_warnings() -> list[str]:
    """Tests append substrings of the WARNING messages they expect."""
    return []


@pytest.fixture(autouse=True)
def fail_on_warning_logs(caplog: pytest.LogCaptureFixture, expected_warnings: list[str]) -> Iterator[None]:
    caplog.set_level(logging.INFO)
    yield
    unexpected = [
        f"{r.name}: {r.getMessage()}"
        for when in ("setup", "call")
        for r in caplog.get_records(when)
        if r.levelno >= logging.WARNING and not any(s in r.getMessage() for s in expected_warnings)
    ]
    assert not unexpected, f"unexpected warning logs: {unexpected}"
