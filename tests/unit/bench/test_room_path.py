"""The room-like echo path does what its docstring says: level, reverberation, noise floor, clock drift."""

from __future__ import annotations

import numpy as np

from tests.support.room_path import RoomEchoProcessor, RoomPath, room_impulse_response

RATE = 16_000


def run(path: RoomPath, x: np.ndarray, chunk: int = 137) -> np.ndarray:
    proc = RoomEchoProcessor(path)
    return np.concatenate([proc.process(x[i : i + chunk]) for i in range(0, len(x), chunk)])


def level_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, np.float64) ** 2)))


def test_the_impulse_response_has_unit_energy_and_a_reverberant_tail() -> None:
    h = room_impulse_response(RATE, 0.35).astype(np.float64)
    assert abs(np.sum(h**2) - 1.0) < 1e-3
    energy = np.cumsum(h[::-1] ** 2)[::-1]  # Schroeder's backward integral
    decay_db = 10 * np.log10(energy / energy[0])
    t20 = np.argmax(decay_db < -20) / RATE  # time to fall 20 dB; RT60 is about three times that
    assert 0.06 < t20 < 0.2, t20


def test_gain_sets_the_echo_level_and_noise_sits_at_the_floor() -> None:
    x = (np.random.default_rng(1).standard_normal(RATE * 4) * 0.1).astype(np.float32)  # -20 dBFS
    quiet = dict(noise_dbfs=-120.0, drive=0.0, drift_ppm=0.0)
    for gain in (0.0, -10.0):
        y = run(RoomPath(gain_db=gain, **quiet), x)  # type: ignore[arg-type]
        assert abs(level_db(y[RATE:]) - (-20.0 + gain)) < 1.5
    silence = run(RoomPath(noise_dbfs=-55.0), np.zeros(RATE * 2, np.float32))
    assert abs(level_db(silence[RATE // 2 :]) - (-55.0)) < 1.0


def test_the_microphone_clock_drifts_against_the_speaker() -> None:
    x = np.zeros(RATE * 30, np.float32)
    fast = run(RoomPath(drift_ppm=1000.0), x, chunk=1600)
    slow = run(RoomPath(drift_ppm=1.0), x, chunk=1600)  # the same resampler's delay, hardly any drift
    assert abs((len(fast) - len(slow)) - len(x) * 999e-6) < 10  # 30 s at +999 ppm: 480 more samples


def test_the_loudspeaker_clips_softly() -> None:
    t = np.arange(RATE) / RATE
    tone = (0.9 * np.sin(2 * np.pi * 500 * t)).astype(np.float32)
    clean = run(RoomPath(drive=0.0, noise_dbfs=-120.0, drift_ppm=0.0), tone)
    driven = run(RoomPath(drive=1.5, noise_dbfs=-120.0, drift_ppm=0.0), tone)
    spectrum = np.abs(np.fft.rfft(driven[RATE // 4 :] * np.hanning(len(driven) - RATE // 4)))
    clean_spectrum = np.abs(np.fft.rfft(clean[RATE // 4 :] * np.hanning(len(clean) - RATE // 4)))
    bin_hz = RATE / (len(driven) - RATE // 4)
    third = round(1500 / bin_hz)
    assert spectrum[third - 2 : third + 3].max() > 10 * clean_spectrum[third - 2 : third + 3].max()
