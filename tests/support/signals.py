"""Signal measurements on recorded audio (pure numpy), shared by device tests and the benchmark."""

from __future__ import annotations

import numpy as np

__all__ = ["best_lag_correlation", "db", "envelope", "peak_hz"]


def db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, np.float64) ** 2) + 1e-20))


def envelope(x: np.ndarray, rate: int, frame_ms: float = 10.0) -> np.ndarray:
    """RMS per frame; the same frame duration at any rate gives comparable envelopes."""
    frame = int(rate * frame_ms / 1000)
    n = len(x) // frame * frame
    env: np.ndarray = np.sqrt(np.mean(np.asarray(x[:n], np.float64).reshape(-1, frame) ** 2, axis=1))
    return env


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
