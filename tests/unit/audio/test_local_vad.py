"""The local barge-in detector: speech onset in one block, hangover, and the echo guard."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.audio.local_vad import BlockObservation, LocalVad, VadConfig, VadState, dbfs, observe
from desktop_app.core.audio_format import to_pcm16

RATE = 16_000
BLOCK = 320  # 20 ms


def voiced(level_dbfs: float, n: int = BLOCK, f0: float = 140.0) -> np.ndarray:
    """A vowel-like block: a harmonic series (f0 and four overtones) at ``level_dbfs`` RMS."""
    t = np.arange(n) / RATE
    x = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6))
    x = x / np.sqrt(np.mean(x**2)) * 10 ** (level_dbfs / 20)
    return to_pcm16(x)


def hiss(level_dbfs: float, n: int = BLOCK, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal(n)
    return to_pcm16(x / np.sqrt(np.mean(x**2)) * 10 ** (level_dbfs / 20))


def ms(level_dbfs: float) -> float:
    return float(10 ** (level_dbfs / 10))


def test_observe_measures_level_and_zero_crossings() -> None:
    obs = observe(voiced(-20.0), raw_ms=ms(-10.0), far_ms=None)
    assert obs.clean_dbfs == pytest.approx(-20.0, abs=0.2)
    assert obs.zcr < 0.15
    assert obs.raw_dbfs == pytest.approx(-10.0)
    assert obs.far_dbfs is None
    assert observe(hiss(-20.0)).zcr > 0.4
    assert observe(np.zeros(BLOCK, np.int16)).clean_dbfs == dbfs(0.0) == -100.0


def test_speech_is_an_onset_in_its_first_block_then_hangover_then_silence() -> None:
    vad = LocalVad(VadConfig(hangover_ms=60))
    for _ in range(10):
        assert not vad.update(observe(hiss(-65.0))).speech
    first = vad.update(observe(voiced(-30.0)))
    assert first.speech and first.onset
    second = vad.update(observe(voiced(-30.0)))
    assert second.speech and not second.onset
    quiet = [vad.update(observe(hiss(-65.0))) for _ in range(3)]
    assert [s.speech for s in quiet] == [True, True, False]  # 60 ms of hangover
    assert vad.state is VadState.SILENCE
    assert vad.update(observe(voiced(-30.0))).onset  # a new utterance is a new onset


def test_speech_resumed_within_the_hangover_is_the_same_utterance() -> None:
    vad = LocalVad(VadConfig(hangover_ms=100))
    assert vad.update(observe(voiced(-30.0))).onset
    vad.update(observe(hiss(-70.0)))
    assert vad.state is VadState.HANGOVER
    step = vad.update(observe(voiced(-30.0)))
    assert step.speech and not step.onset


def test_quiet_speech_and_broadband_noise_are_not_speech() -> None:
    vad = LocalVad()
    assert vad.update(observe(voiced(-50.0))).reason == "energy"
    assert vad.update(observe(hiss(-25.0))).reason == "zcr"
    assert vad.state is VadState.SILENCE


def test_the_noise_floor_rises_slowly_so_a_steady_noise_stops_counting() -> None:
    vad = LocalVad(VadConfig(floor_rise_db_s=20.0, max_zcr=1.0))
    steady = observe(hiss(-35.0))
    steps = [vad.update(steady) for _ in range(200)]  # 4 s of a fan that starts
    assert steps[0].onset
    assert not steps[-1].speech
    assert vad.noise_floor_dbfs > -40.0
    assert vad.update(observe(voiced(-15.0))).onset  # a voice well above it still counts


def test_echo_the_canceller_removed_is_not_speech_while_the_model_talks() -> None:
    vad = LocalVad()
    # The model plays at -20 dBFS; the mic heard its echo at -15 dBFS and the canceller left -34 dBFS of it.
    leak = BlockObservation(clean_dbfs=-34.0, zcr=0.1, raw_dbfs=-15.0, far_dbfs=-20.0)
    step = vad.update(leak)
    assert not step.speech and step.far_active and step.reason == "echo"
    # The user's voice over the same echo: the canceller keeps most of it, for two blocks in a row (one
    # such block is what a leak looks like after the echo path moved).
    user = BlockObservation(clean_dbfs=-24.0, zcr=0.1, raw_dbfs=-18.0, far_dbfs=-20.0)
    first = vad.update(user)
    assert not first.speech and first.reason == "confirming"
    step = vad.update(user)
    assert step.onset and step.far_active and step.via == "clean"


def test_the_canceller_output_is_not_trusted_while_it_re_converges() -> None:
    vad = LocalVad()
    user = BlockObservation(clean_dbfs=-24.0, zcr=0.1, raw_dbfs=-18.0, far_dbfs=-20.0, aec_settled=False)
    assert [vad.update(user).reason for _ in range(3)] == ["unsettled"] * 3


def test_the_threshold_is_stricter_while_the_model_talks_and_for_a_hold_after() -> None:
    cfg = VadConfig(far_hold_ms=40.0)
    vad = LocalVad(cfg)
    level = cfg.min_speech_dbfs + cfg.talk_extra_db / 2  # loud enough alone, not over the model
    borderline = BlockObservation(clean_dbfs=level, zcr=0.1, raw_dbfs=level, far_dbfs=-20.0)
    assert vad.update(borderline).reason == "energy"
    after = BlockObservation(clean_dbfs=level, zcr=0.1, raw_dbfs=level, far_dbfs=-90.0)
    assert vad.update(after).reason == "energy"  # 20 ms after the model: the reverb tail may still ring
    assert vad.update(after).reason == "energy"  # 40 ms
    assert vad.update(after).onset  # past the hold: the normal threshold


def test_without_a_reference_the_echo_guard_is_off() -> None:
    vad = LocalVad()
    obs = BlockObservation(clean_dbfs=-30.0, zcr=0.1, raw_dbfs=-5.0, far_dbfs=None)
    step = vad.update(obs)
    assert step.onset and not step.far_active


def test_reset_forgets_the_utterance() -> None:
    vad = LocalVad()
    assert vad.update(observe(voiced(-30.0))).onset
    vad.reset()
    assert vad.update(observe(voiced(-30.0))).onset


def test_double_talk_against_the_reference_hears_the_user_while_the_canceller_mutes_them() -> None:
    vad = LocalVad(VadConfig(erl_min_blocks=3))
    echo = BlockObservation(clean_dbfs=-100.0, zcr=0.0, raw_dbfs=-30.0, far_dbfs=-20.0)  # path: -10 dB
    for _ in range(5):
        assert not vad.update(echo).speech
    assert vad.erl_db == pytest.approx(-10.0)
    # The user starts: the raw microphone rises 7 dB over the echo the reference explains, while AEC3
    # still mutes its output.
    step = vad.update(BlockObservation(clean_dbfs=-100.0, zcr=0.0, raw_dbfs=-23.0, far_dbfs=-20.0))
    assert step.onset and step.far_active and step.via == "dtd"


def test_the_echo_path_gain_ignores_undetected_double_talk_and_starts_cautious() -> None:
    vad = LocalVad()
    assert vad.erl_db == 0.0, "until learned, the echo is assumed as loud as what played"
    # Before anything is learned, a block 5 dB over the reference is not double talk.
    assert not vad.update(BlockObservation(-100.0, 0.0, raw_dbfs=-15.0, far_dbfs=-20.0)).speech
    vad = LocalVad()
    for _ in range(40):
        vad.update(BlockObservation(-100.0, 0.0, raw_dbfs=-30.0, far_dbfs=-20.0))
    for _ in range(2):  # the user, too quiet to pass: a few of the blocks it learns from
        vad.update(BlockObservation(-100.0, 0.0, raw_dbfs=-25.0, far_dbfs=-20.0))
    assert vad.erl_db == pytest.approx(-10.0)
    # The reference pauses between words, but its echo rings on: the loudest reference within the hold
    # still explains it.
    pause = BlockObservation(-100.0, 0.0, raw_dbfs=-26.0, far_dbfs=-90.0)
    assert not vad.update(pause).speech


def test_hiss_the_canceller_leaks_is_not_speech_while_the_model_talks() -> None:
    vad = LocalVad()
    leak = BlockObservation(clean_dbfs=-25.0, zcr=0.3, raw_dbfs=-16.0, far_dbfs=-19.0)  # measured leak
    assert [vad.update(leak).reason for _ in range(3)] == ["zcr"] * 3
    alone = LocalVad()
    assert alone.update(BlockObservation(clean_dbfs=-25.0, zcr=0.3)).onset, "without the model it is speech"
