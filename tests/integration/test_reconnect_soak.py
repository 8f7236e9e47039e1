"""The strict soak's smoke mode as a test: every network fault once, through the real SDK, the fault proxy
and the emulator; each reply must carry its utterance's turn number and its whole audio, once. (The bench
runs the long, random version and reports the times; nothing here is timed.)"""

from __future__ import annotations

import pytest

from desktop_app.bench.resilience_soak import NETWORK_KINDS, strict_soak
from desktop_app.live.reconnect import ReconnectPolicy

pytestmark = pytest.mark.integration


async def test_every_network_fault_once_loses_and_duplicates_nothing() -> None:
    quick = ReconnectPolicy(stable_after_s=0.5, stall_after_s=1.0, probe_timeout_s=0.5)
    reports = await strict_soak((1,), len(NETWORK_KINDS), every_kind=True, policy=quick, kinds=NETWORK_KINDS)
    summary = {
        kind: (r.injected, r.detected, r.recovered, r.lost, r.duplicated) for kind, r in reports.items()
    }
    broken = ("blackhole_both", "blackhole_down", "blackhole_up", "reset", "cut_mid_frame")
    assert all(summary[kind] == (1, 1, 1, 0, 0) for kind in broken), summary
    assert summary["latency"] == (1, 0, 0, 0, 0), summary  # slow is not broken
    assert summary["none"] == (0, 0, 0, 0, 0), summary
