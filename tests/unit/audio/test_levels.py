"""Level computation and the rate-limited latest-value publisher."""

from __future__ import annotations

import numpy as np

from desktop_app.audio.levels import LevelMeter, LevelPublisher, to_dbfs
from desktop_app.core.audio_format import to_pcm16
from desktop_app.core.clock import FakeClock
from desktop_app.core.events import Event
from desktop_app.core.media_events import FLOOR_DBFS, AudioLevels


def test_full_scale_sine_reads_minus_three_dbfs_and_peak_zero() -> None:
    meter = LevelMeter()
    t = np.arange(16_000) / 16_000
    meter.add(np.sin(2 * np.pi * 1000 * t).astype(np.float32))
    rms, peak = meter.take()
    assert abs(rms - (-3.01)) < 0.05
    assert abs(peak) < 0.01


def test_pcm16_and_float_agree() -> None:
    a, b = LevelMeter(), LevelMeter()
    x = np.full(160, 0.25, dtype=np.float32)
    a.add(x)
    b.add(to_pcm16(x))
    assert abs(a.take()[0] - b.take()[0]) < 1e-6
    assert abs(to_dbfs(0.25) - (-12.04)) < 0.01


def test_take_resets_and_silence_is_the_floor() -> None:
    meter = LevelMeter()
    assert meter.take() == (FLOOR_DBFS, FLOOR_DBFS)
    meter.add(np.zeros(100, dtype=np.int16))
    assert meter.take() == (FLOOR_DBFS, FLOOR_DBFS)


def test_publisher_emits_at_most_once_per_interval_with_both_directions() -> None:
    events: list[Event] = []
    clock = FakeClock(100.0)
    pub = LevelPublisher(events.append, interval_s=0.05, clock=clock)
    loud = np.full(320, 0.5, dtype=np.float32)
    pub.add_input(loud)  # first call publishes at once
    assert len(events) == 1
    for _ in range(4):
        clock.advance(0.01)
        pub.add_input(loud)
        pub.add_output(loud * 0.1)
    assert len(events) == 1, "within 50 ms: nothing new"
    clock.advance(0.02)
    pub.add_output(loud * 0.1)
    assert len(events) == 2
    latest = events[-1]
    assert isinstance(latest, AudioLevels)
    assert abs(latest.input_dbfs - to_dbfs(0.5)) < 0.01
    assert abs(latest.output_dbfs - to_dbfs(0.05)) < 0.01
    assert pub.latest is latest
