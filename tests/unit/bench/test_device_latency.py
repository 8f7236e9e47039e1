"""The device-latency bench's pure parts: the user's script and the pairing of mic blocks with ADC times."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from desktop_app.bench import device_latency as dl
from desktop_app.bench.onsets import bursts
from desktop_app.core.events import MicAudio


def test_the_script_is_a_turn_then_a_barge_in_per_cycle() -> None:
    found = bursts(dl.script(3), dl.RATE, threshold_dbfs=dl.THRESHOLD_DBFS, min_gap_s=0.05)
    assert [round(b.duration_s, 2) for b in found] == [dl.TURN_S, dl.BARGE_S] * 3
    gap = found[1].start_s - found[0].end_s
    # the barge-in starts BARGE_INTO_REPLY_S after the reply could start (the emulator's hangover)
    assert gap == pytest.approx(dl.SILENCE_MS / 1000 + dl.BARGE_INTO_REPLY_S, abs=0.005)


class _Capture:
    """Stands in for MicCapture's two hooks: ``_process`` dates each block through ``_on_raw_block``."""

    def __init__(self) -> None:
        self._on_raw_block: Any = None

    def _process(self, item: Any) -> list[MicAudio]:
        out = []
        for adc, pcm in item:
            self._on_raw_block(None, adc)
            out.append(MicAudio(pcm))
        return out


def test_the_probe_pairs_each_sent_block_with_its_adc_time_and_skips_unsent_ones() -> None:
    capture = _Capture()
    probe = dl.MicProbe()
    probe.attach(capture)  # type: ignore[arg-type]
    quiet = bytes(640)
    loud = np.zeros(320, "<i2")
    loud[37:] = 8000
    blocks = capture._process([(10.0, quiet), (10.02, quiet), (10.04, loud.tobytes())])
    probe.on_sent(blocks[1])  # the first block was never sent (no session yet)
    probe.on_sent(blocks[2])
    assert [(adc, first_loud) for adc, _, first_loud in probe.sent] == [(10.02, -1), (10.04, 37)]
    assert all(sent > 0 for _, sent, _ in probe.sent)
    probe.on_sent(blocks[0])  # already passed over: not paired with a wrong time
    assert len(probe.sent) == 2
