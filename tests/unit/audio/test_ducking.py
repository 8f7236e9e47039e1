"""Local barge-in's ducking: the policy's transitions and the speaker-side gain ramp."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.audio.ducking import DuckConfig, DuckGain, DuckPolicy, DuckState

RATE = 48_000
BLOCK = 240  # the speaker's 5 ms block


def test_an_onset_over_the_model_ducks_and_the_server_confirms() -> None:
    policy = DuckPolicy()
    assert policy.on_block(onset=True, model_playing=True, now=10.0) == pytest.approx(0.1)
    assert policy.state is DuckState.DUCKED
    assert policy.on_interrupted() == 1.0
    assert (policy.ducks, policy.confirmed, policy.restored) == (1, 1, 0)


def test_an_unconfirmed_duck_comes_back_after_the_window() -> None:
    policy = DuckPolicy(DuckConfig(confirm_window_s=0.8))
    policy.on_block(onset=True, model_playing=True, now=10.0)
    assert policy.on_block(onset=False, model_playing=True, now=10.79) == pytest.approx(0.1)
    assert policy.on_block(onset=False, model_playing=True, now=10.8) == 1.0
    assert (policy.ducks, policy.confirmed, policy.restored) == (1, 0, 1)
    assert policy.on_interrupted() == 1.0  # a late confirmation confirms nothing
    assert policy.confirmed == 0


def test_no_duck_without_the_models_voice_or_without_an_onset() -> None:
    policy = DuckPolicy()
    assert policy.on_block(onset=True, model_playing=False, now=1.0) == 1.0
    assert policy.on_block(onset=False, model_playing=True, now=1.02) == 1.0
    assert policy.ducks == 0


def test_a_new_onset_while_ducked_restarts_the_window_without_counting_a_new_duck() -> None:
    policy = DuckPolicy(DuckConfig(confirm_window_s=0.8))
    policy.on_block(onset=True, model_playing=True, now=0.0)
    policy.on_block(onset=True, model_playing=True, now=0.6)
    assert policy.tick(1.2) == pytest.approx(0.1)
    assert policy.tick(1.45) == 1.0
    assert (policy.ducks, policy.restored) == (1, 1)


def test_reset_restores_at_once_and_counts_nothing() -> None:
    policy = DuckPolicy()
    policy.on_block(onset=True, model_playing=True, now=0.0)
    assert policy.reset() == 1.0
    assert (policy.confirmed, policy.restored) == (0, 0)


def run(gain: DuckGain, blocks: int, level: float = 0.5) -> np.ndarray:
    out = []
    for _ in range(blocks):
        buf = np.full(BLOCK, level, dtype=np.float32)
        gain.apply(buf)
        out.append(buf)
    return np.concatenate(out) / level


def test_the_gain_ramps_down_within_ten_ms_without_a_step() -> None:
    gain = DuckGain(RATE, DuckConfig(depth_db=-20.0, down_ms=10.0))
    assert np.all(run(gain, 2) == 1.0)
    gain.target = 0.1
    g = run(gain, 4)
    assert g[0] < 1.0  # it starts moving on the first sample
    reached = int(np.argmax(g <= 0.1 + 1e-6))
    assert reached == pytest.approx(RATE * 0.010, abs=2)  # linear over 10 ms (480 samples)
    assert np.max(np.abs(np.diff(g))) <= 0.9 / 480 + 1e-6  # no sample jumps more than one ramp step
    assert np.all(g[reached:] == pytest.approx(0.1))
    assert gain.gain == 0.1


def test_the_gain_comes_back_over_the_slower_ramp() -> None:
    gain = DuckGain(RATE, DuckConfig(depth_db=-20.0, up_ms=250.0))
    gain.target = gain.gain = 0.1
    gain.target = 1.0
    g = run(gain, 60)  # 300 ms
    reached = int(np.argmax(g >= 1.0 - 1e-6))
    assert reached == pytest.approx(RATE * 0.250, abs=2)
    assert np.all(np.diff(g) >= -1e-7)
    assert gain.gain == 1.0


def test_blocks_larger_than_any_before_are_handled() -> None:
    gain = DuckGain(RATE, DuckConfig(down_ms=10.0))
    gain.target = 0.1
    buf = np.ones(4800, dtype=np.float32)
    gain.apply(buf)
    assert buf[0] < 1.0 and buf[-1] == pytest.approx(0.1)


def test_it_notes_when_the_models_voice_was_last_handed_to_the_device() -> None:
    gain = DuckGain(RATE, DuckConfig(sounding_dbfs=-50.0))
    run(gain, 1, level=0.001)  # -60 dBFS: silence between turns
    assert gain.sounding_at == -np.inf
    gain.target = 0.1
    run(gain, 3, level=0.1)
    assert gain.sounding_at > 0
    assert gain.sounding_frames == 3 * BLOCK, "counted before the duck's gain"


def test_by_default_the_voice_is_down_20_db_within_one_5_ms_device_block() -> None:
    gain = DuckGain(RATE)
    gain.target = DuckConfig().depth_gain
    g = run(gain, 1)
    assert g[-1] == pytest.approx(0.1, abs=1e-6)
    assert np.max(np.abs(np.diff(g))) < 0.004
