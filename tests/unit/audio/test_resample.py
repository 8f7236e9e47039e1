"""Streaming resampling keeps a tone's frequency and level; re-blocking keeps every sample."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.audio.resample import Rechunker, StreamResampler


def tone(freq: float, rate: int, seconds: float, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


@pytest.mark.parametrize(("rate_in", "rate_out"), [(44_100, 16_000), (48_000, 16_000), (24_000, 48_000)])
def test_streamed_blocks_keep_the_tone(rate_in: int, rate_out: int) -> None:
    rs = StreamResampler(rate_in, rate_out)
    x = tone(1000.0, rate_in, 2.0)
    block = rate_in // 50  # 20 ms
    out = np.concatenate([rs.process(x[i : i + block]) for i in range(0, len(x), block)])
    assert abs(len(out) - 2.0 * rate_out) <= rate_out * 0.02, "at most ~20 ms held back"
    steady = out[rate_out // 4 :]
    assert abs(peak_hz(steady, rate_out) - 1000.0) < 2.0
    rms = float(np.sqrt(np.mean(steady**2)))
    assert abs(rms - 0.5 / np.sqrt(2)) < 0.01


def test_blocks_come_back_steadily_not_in_bursts() -> None:
    rs = StreamResampler(44_100, 16_000)
    sizes = [len(rs.process(np.zeros(882, dtype=np.float32))) for _ in range(20)]
    assert all(310 <= s <= 330 for s in sizes[2:]), sizes


def test_frequencies_above_the_new_nyquist_are_removed_not_folded() -> None:
    rs = StreamResampler(48_000, 16_000)
    x = tone(10_000.0, 48_000, 1.0)
    out = np.concatenate([rs.process(x[i : i + 960]) for i in range(0, len(x), 960)])
    assert float(np.sqrt(np.mean(out[4000:] ** 2))) < 1e-3


def test_equal_rates_pass_through() -> None:
    rs = StreamResampler(16_000, 16_000)
    x = tone(440.0, 16_000, 0.1)
    assert rs.passthrough
    assert np.array_equal(rs.process(x), x)


def test_rechunker_cuts_exact_blocks_and_keeps_the_remainder() -> None:
    rc = Rechunker(320)
    data = np.arange(1000, dtype=np.float32)
    first = rc.push(data[:300])
    assert first == []
    second = rc.push(data[300:700])
    assert len(second) == 2 and rc.pending == 60
    third = rc.push(data[700:])
    assert len(third) == 1 and rc.pending == 40
    assert np.array_equal(np.concatenate(second + third), data[:960])
