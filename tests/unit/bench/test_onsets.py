"""Burst onsets and offsets on synthetic recordings, and dating recorded samples from late reads."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.bench.onsets import ArrivalClock, Burst, burst_at, bursts, merged, next_burst

RATE = 48_000


def tone(seconds: float, freq: float = 220.0, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amp * np.sin(2 * np.pi * freq * t + 0.5)).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.float32)


def test_a_tone_burst_starts_and_ends_where_it_was_placed() -> None:
    x = np.concatenate([silence(0.25), tone(0.4), silence(0.3)])
    found = bursts(x, RATE)
    assert len(found) == 1
    assert found[0].start_s == pytest.approx(0.25, abs=1 / RATE)
    assert found[0].end_s == pytest.approx(0.65, abs=2 / RATE)


def test_zero_crossings_stay_inside_a_burst_and_a_real_gap_splits_it() -> None:
    x = np.concatenate([silence(0.1), tone(0.2, 50.0), silence(0.1), tone(0.2, 50.0), silence(0.1)])
    found = bursts(x, RATE, min_gap_s=0.03)
    assert [round(b.start_s, 3) for b in found] == [0.1, 0.4]
    assert [round(b.duration_s, 2) for b in found] == [0.2, 0.2]


def test_sound_below_the_threshold_and_clicks_are_not_bursts() -> None:
    x = np.concatenate([silence(0.1), tone(0.2, amp=10 ** (-60 / 20)), silence(0.1)])
    assert bursts(x, RATE, threshold_dbfs=-50) == []
    click = silence(0.2)
    click[5000:5010] = 0.5
    assert bursts(click, RATE, min_len_s=0.002) == []
    assert bursts(silence(0.5), RATE) == []


def test_a_fade_ends_where_it_crosses_the_threshold() -> None:
    fade = np.linspace(1.0, 0.0, int(0.01 * RATE), dtype=np.float32)  # linear 10 ms fade to zero
    x = np.concatenate([tone(0.1, amp=0.5), tone(0.01, amp=0.5) * fade, silence(0.1)])
    end = bursts(x, RATE, threshold_dbfs=-20)[0].end_s
    # |0.5 · fade| >= 0.1 while fade >= 0.2: the first 8 ms of the 10 ms fade
    assert 0.1 + 0.006 < end <= 0.1 + 0.0081


def test_burst_at_and_next_burst() -> None:
    found = [Burst(1.0, 2.0), Burst(3.0, 3.5)]
    assert burst_at(found, 1.5) == found[0]
    assert burst_at(found, 2.5) is None
    assert burst_at(found, 0.5) is None
    assert next_burst(found, 1.5) == found[1]
    assert next_burst(found, 0.0) == found[0]
    assert next_burst(found, 3.1) is None


def test_merging_closes_short_gaps_and_counts_them() -> None:
    found = [Burst(1.0, 1.3), Burst(1.37, 1.5), Burst(1.6, 1.8), Burst(2.5, 2.7)]
    assert merged(found, 0.15) == ([Burst(1.0, 1.8), Burst(2.5, 2.7)], 2)
    assert merged(found, 0.05) == (found, 0)
    assert merged([], 0.15) == ([], 0)


def test_arrival_clock_ignores_late_reads() -> None:
    rng = np.random.default_rng(3)
    start = 1000.0
    clock = ArrivalClock(RATE)
    frames = 0
    for k in range(500):  # 10 ms chunks; every read late by 0–8 ms, one in twenty on time
        frames += 480
        late = 0.0 if k % 20 == 0 else float(rng.uniform(0.0, 0.008))
        clock.note(start + frames / RATE + late, frames)
    for frame in (0, 10_000, 123_456, frames - 1):
        assert clock.time_of(frame) == pytest.approx(start + frame / RATE, abs=1e-6)
    assert clock.time_at(2.0) == pytest.approx(start + 2.0, abs=1e-6)


def test_arrival_clock_follows_a_slow_drift_within_its_window() -> None:
    clock = ArrivalClock(RATE, window_s=1.0)
    frames = 0
    for _ in range(2000):  # 20 s; the sound server's clock runs 100 ppm slow against monotonic
        frames += 480
        clock.note(5.0 + frames / RATE * 1.0001, frames)
    assert clock.time_at(18.0) == pytest.approx(5.0 + 18.0 * 1.0001, abs=2e-4)


def test_arrival_clock_needs_a_read_and_skips_reads_that_add_nothing() -> None:
    clock = ArrivalClock(RATE)
    with pytest.raises(ValueError):
        clock.time_of(0)
    clock.note(10.0, 4800)
    clock.note(9.0, 4800)  # no new frames: not a note
    assert clock.time_of(4800) == pytest.approx(10.0)
