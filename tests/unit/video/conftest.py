"""Fixtures for the video tests: a real Xvfb display for screen capture."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
from collections.abc import Iterator

import pytest

XVFB = shutil.which("Xvfb")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "xvfb: needs the Xvfb binary (Debian package xvfb)")


@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    """A private Xvfb server (1280×720×24) on a display number it picks itself; yields ``":N"``.

    Skips only when the Xvfb binary is not installed.
    """
    if XVFB is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [XVFB, "-displayfd", str(write_fd), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        number = b""
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read_fd], [], [], 15.0)
            chunk = os.read(read_fd, 16) if ready else b""
            if not chunk:
                raise RuntimeError(f"Xvfb did not report a display (exit code {proc.poll()})")
            number += chunk
        yield f":{number.decode().strip()}"
    finally:
        os.close(read_fd)
        proc.terminate()
        proc.wait(10)
