"""bench.processes: CPU time and memory of a process, read from Linux /proc."""

from __future__ import annotations

import os
import sys

import pytest

from desktop_app.bench.processes import proc_cpu_seconds, proc_rss_mb

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_rss_of_this_process_grows_with_a_large_allocation() -> None:
    before = proc_rss_mb("self")
    block = bytearray(64 * 1024 * 1024)  # zero pages count once written
    block[::4096] = b"\x01" * len(block[::4096])
    after = proc_rss_mb(os.getpid())
    assert before > 1
    assert after - before > 32
    del block


def test_cpu_seconds_of_this_process_are_counted() -> None:
    assert proc_cpu_seconds(os.getpid()) > 0
