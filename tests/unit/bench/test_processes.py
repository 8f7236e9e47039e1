"""bench.processes: CPU time and memory of a process, read from Linux /proc."""

from __future__ import annotations

import mmap
import os
import sys

import pytest

from desktop_app.bench.processes import proc_cpu_seconds, proc_rss_mb

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_rss_of_this_process_grows_with_a_large_allocation() -> None:
    before = proc_rss_mb("self")
    # A fresh anonymous mapping: heap memory freed by earlier tests may already be resident (RSS would not
    # move), a new mapping's pages become resident only as they are written.
    block = mmap.mmap(-1, 64 * 1024 * 1024)
    for offset in range(0, len(block), mmap.PAGESIZE):
        block[offset] = 1
    after = proc_rss_mb(os.getpid())
    assert before > 1
    assert after - before > 32
    block.close()


def test_cpu_seconds_of_this_process_are_counted() -> None:
    assert proc_cpu_seconds(os.getpid()) > 0
