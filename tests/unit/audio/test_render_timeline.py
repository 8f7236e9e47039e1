"""Pairing each mic block with the reference that played at the same time."""

from __future__ import annotations

import numpy as np

from desktop_app.audio.render_timeline import RenderTimeline
from desktop_app.audio.sample_clock import SampleClock
from desktop_app.audio.stream_times import StreamTimeMapper

RATE = 1000


def signal(start: int, n: int) -> np.ndarray:
    return np.arange(start, start + n, dtype=np.float32)


def test_sample_clock_smooths_jitter_ignores_outliers_and_reanchors_on_jumps() -> None:
    clock = SampleClock(RATE, tolerance_s=0.008, smoothing=0.5)
    clock.observe(0, 10.0)
    clock.observe(100, 10.104)  # 4 ms late: smoothed, not a reset
    assert clock.resets == 0
    assert abs(clock.time_of(100) - 10.102) < 1e-9  # type: ignore[operator]
    clock.observe(200, 10.250)  # 48 ms off once: a late wake-up, ignored
    assert clock.resets == 0
    assert abs(clock.time_of(200) - 10.202) < 1e-9  # type: ignore[operator]
    clock.observe(300, 10.350)
    clock.observe(400, 10.450)  # the third disagreement in a row: a real jump, re-anchor
    assert clock.resets == 1
    assert clock.time_of(400) == 10.450
    assert abs(clock.index_at(10.5) - 450) < 1e-9  # type: ignore[operator]


def test_read_returns_the_samples_played_at_the_given_time() -> None:
    tl = RenderTimeline(RATE)
    for k in range(10):
        tl.push(signal(k * 10, 10), 5.0 + k * 0.010)
    out = tl.read(5.030, 20)
    assert np.array_equal(out, signal(30, 20))
    out = tl.read(5.050, 20)  # contiguous: the cursor simply advances
    assert np.array_equal(out, signal(50, 20))
    assert tl.resyncs == 0


def test_small_jitter_in_read_times_keeps_the_reference_continuous() -> None:
    tl = RenderTimeline(RATE, tolerance_s=0.008)
    tl.push(signal(0, 1000), 0.0)
    got = [tl.read(0.100 + i * 0.020 + (0.003 if i % 2 else -0.003), 20) for i in range(10)]
    assert np.array_equal(np.concatenate(got), signal(97, 200))
    assert tl.resyncs == 0


def test_a_jump_beyond_tolerance_resyncs_the_cursor() -> None:
    tl = RenderTimeline(RATE, tolerance_s=0.008)
    tl.push(signal(0, 1000), 0.0)
    tl.read(0.100, 20)
    out = tl.read(0.300, 20)
    assert np.array_equal(out, signal(300, 20))
    assert tl.resyncs == 1


def test_a_target_not_yet_played_gives_an_earlier_reference_never_zeros() -> None:
    tl = RenderTimeline(RATE, guard_s=0.010)
    tl.push(signal(0, 100), 0.0)  # played up to t = 0.1
    out = tl.read(0.095, 20)  # wants 95..115, only 0..100 exist
    assert np.array_equal(out, signal(70, 20)), "newest 20 minus a 10-sample guard"
    assert tl.late_reads == 1
    tl.push(signal(100, 20), 0.100)
    out = tl.read(0.115, 20)
    assert np.array_equal(out, signal(90, 20)), "stays continuous behind the newest sample"
    assert tl.late_reads == 1


def test_nothing_played_recently_reads_silence() -> None:
    tl = RenderTimeline(RATE, stale_s=0.25)
    assert np.all(tl.read(1.0, 20) == 0), "before anything was played"
    tl.push(np.ones(100, dtype=np.float32), 0.0)
    assert np.all(tl.read(2.0, 20) == 0), "the speaker stopped long before this block"


def test_history_older_than_the_ring_is_silence() -> None:
    tl = RenderTimeline(RATE, history_s=0.5)
    for k in range(10):
        tl.push(signal(k * 100, 100), k * 0.100)
    out = tl.read(0.100, 20)  # 900 ms behind the newest sample; only 500 kept
    assert np.all(out == 0)
    out = tl.read(0.700, 20)
    assert np.array_equal(out, signal(700, 20))


def test_a_read_across_the_rings_end_and_into_a_given_buffer_is_exact() -> None:
    tl = RenderTimeline(RATE, history_s=0.3)  # 300 samples: absolute index 900 is the ring's start again
    for k in range(10):
        tl.push(signal(k * 100, 100), k * 0.100)
    out = np.full(20, -1.0, np.float32)
    tl.read_into(0.890, out)  # 890…909: the ring's last ten, then its first ten
    assert np.array_equal(out, signal(890, 20))
    tl.read_into(0.910, out)
    assert np.array_equal(out, signal(910, 20))


def test_stream_time_mapper_ignores_late_wakeups() -> None:
    mapper = StreamTimeMapper(window=8)
    # PortAudio's clock runs 1000 s behind monotonic; two callbacks woke 12 ms and 30 ms late.
    for k, late in enumerate([0.0, 0.012, 0.0, 0.030, 0.0]):
        mapper.observe(1000.0 + k * 0.02 + late, k * 0.02)
    mapped = mapper.to_monotonic(0.10 - 0.015, now_monotonic=1000.2, stream_now=0.10)
    assert abs(mapped - (1000.0 + 0.10 - 0.015)) < 1e-9
    assert mapper.to_monotonic(0.0, now_monotonic=5.0, stream_now=0.0) == 5.0, "no times: callback time"
