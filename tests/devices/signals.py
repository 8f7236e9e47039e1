"""Signal measurements shared by the device tests."""

from __future__ import annotations

import asyncio

import numpy as np

from tests.support.pulse_rig import Recorder


def db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, np.float64) ** 2) + 1e-20))


def envelope(x: np.ndarray, rate: int, frame_ms: float = 10.0) -> np.ndarray:
    """RMS per frame; the same frame duration at any rate gives comparable envelopes."""
    frame = int(rate * frame_ms / 1000)
    n = len(x) // frame * frame
    return np.sqrt(np.mean(np.asarray(x[:n], np.float64).reshape(-1, frame) ** 2, axis=1))


def best_lag_correlation(a: np.ndarray, b: np.ndarray, max_lag: int) -> tuple[float, int]:
    """Highest Pearson correlation of ``a[lag:]`` with ``b`` over lags 0..max_lag (frames)."""
    best, best_lag = -1.0, 0
    for lag in range(0, max_lag + 1):
        n = min(len(a) - lag, len(b))
        if n < 10:
            break
        c = float(np.corrcoef(a[lag : lag + n], b[:n])[0, 1])
        if c > best:
            best, best_lag = c, lag
    return best, best_lag


def peak_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


async def record_more(rec: Recorder, seconds: float, timeout: float = 20.0) -> None:
    """Wait until the recorder has ``seconds`` more audio than now (a condition, not a sleep)."""
    await asyncio.to_thread(rec.wait_frames, rec.frames + int(seconds * rec.rate), timeout)


async def wait_until_loud(rec: Recorder, threshold_db: float = -30.0, timeout: float = 20.0) -> None:
    """Wait until the newest 10 ms of the recording are louder than ``threshold_db``."""
    async with asyncio.timeout(timeout):
        while True:
            await record_more(rec, 0.01)
            tail = rec.samples()[-rec.rate // 100 :]
            if db(tail) > threshold_db:
                return
