"""Suite-wide fixtures: every test runs with its own settings and data directories, never the user's, and a
WARNING (or worse) log record that the test did not declare fails it.

A test that expects a warning declares it with a marker, stacked once per expected record kind::

    @pytest.mark.allow_warnings("desktop_app.relay", "beyond this machine")
    def test_binding_beyond_loopback_warns(...): ...

The first argument is a logger name (its children match too; ``""`` matches every logger), the second a
substring of the message (``""`` matches any message). The marker allows; it does not require: a test that
needs the warning to happen asserts on ``caplog`` itself. ``pytestmark`` applies it to a whole module.
Qt's own warnings are failed separately by pytest-qt (``qt_log_level_fail`` in tests/ui and tests/e2e).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)  # tests/unit/test_warning_guard.py runs the guard on small generated suites


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "allow_warnings(logger, text): a WARNING-or-worse record from `logger` (or a child) whose message "
        "contains `text` does not fail the test",
    )


@pytest.fixture(autouse=True)
def _private_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    base = tmp_path_factory.mktemp("user-dirs")
    monkeypatch.setenv("GLD_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("GLD_DATA_DIR", str(base / "data"))
    return base


def _allowed(record: logging.LogRecord, allowances: list[tuple[str, str]]) -> bool:
    for logger, text in allowances:
        from_logger = not logger or record.name == logger or record.name.startswith(logger + ".")
        if from_logger and text in record.getMessage():
            return True
    return False


def _allowances(item: pytest.Item) -> list[tuple[str, str]]:
    allowances = []
    for mark in item.iter_markers("allow_warnings"):
        logger, text = (*mark.args, "", "")[:2]
        if not isinstance(logger, str) or not isinstance(text, str) or len(mark.args) > 2 or mark.kwargs:
            raise pytest.UsageError(
                f"{item.nodeid}: use @pytest.mark.allow_warnings(logger, text), two strings"
            )
        allowances.append((logger, text))
    return allowances


@pytest.fixture(autouse=True)
def _fail_on_unexpected_warnings(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Fails the test if a WARNING-or-worse record was logged during its setup, call or the teardown of the
    fixtures it requested, unless an ``allow_warnings`` marker covers it. INFO and above are captured, so a
    failing test's report shows the story around the warning."""
    allowances = _allowances(request.node)
    caplog.set_level(logging.INFO)
    yield
    unexpected = [
        f"{when}: {r.name}: {r.getMessage()}"
        for when in ("setup", "call", "teardown")
        for r in caplog.get_records(when)
        if r.levelno >= logging.WARNING and not _allowed(r, allowances)
    ]
    if unexpected:
        pytest.fail(
            "unexpected warning logs (declare expected ones with @pytest.mark.allow_warnings(logger, text)):"
            + "".join(f"\n  {line}" for line in unexpected),
            pytrace=False,
        )
