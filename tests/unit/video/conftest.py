"""Fixtures for the video tests: a real Xvfb display for screen capture."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from desktop_app.bench.window_rig import XvfbDisplay


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "xvfb: needs the Xvfb binary (Debian package xvfb)")


@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    """A private Xvfb server (1280×720×24) on a display number it picks itself; yields ``":N"``.

    Skips only when the Xvfb binary is not installed. The server is the window benchmark's own rig.
    """
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    with XvfbDisplay(1280, 720) as xvfb:
        yield xvfb.display
