"""The energy VAD: start/end offsets, silence duration, prefix padding, sensitivities, utterance cutting."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.emulator.vad import EnergyVad, SpeechEnded, SpeechStarted, VadEvent, VadParams

RATE = 16_000


def tone(seconds: float, dbfs: float = -15.0, freq: float = 220.0) -> bytes:
    """A sine at ``dbfs`` RMS with a 4 Hz syllable envelope (never silent)."""
    t = np.arange(int(seconds * RATE)) / RATE
    wave = (0.7 + 0.3 * np.sin(2 * np.pi * 4 * t)) * np.sin(2 * np.pi * freq * t)
    wave *= 10 ** (dbfs / 20) / np.sqrt(np.mean(wave**2))
    return (wave * 32767).astype("<i2").tobytes()


def steady(seconds: float, dbfs: float) -> bytes:
    t = np.arange(int(seconds * RATE)) / RATE
    wave = np.sqrt(2) * 10 ** (dbfs / 20) * np.sin(2 * np.pi * 300 * t)
    return (wave * 32767).astype("<i2").tobytes()


def silence(seconds: float) -> bytes:
    return bytes(2 * int(seconds * RATE))


def run(vad: EnergyVad, pcm: bytes, block_ms: int = 20) -> list[tuple[float, VadEvent]]:
    """Feed ``pcm`` in blocks; return (stream time when emitted, event) pairs."""
    size = RATE * block_ms // 1000 * 2
    out: list[tuple[float, VadEvent]] = []
    for i in range(0, len(pcm), size):
        for event in vad.feed(pcm[i : i + size]):
            out.append((vad.stream_time_s, event))
    return out


def test_a_burst_starts_at_its_onset_and_ends_after_the_silence_duration() -> None:
    vad = EnergyVad(VadParams.from_setup(silence_duration_ms=300))
    events = run(vad, silence(0.5) + tone(1.0) + silence(1.0))
    assert [type(e) for _, e in events] == [SpeechStarted, SpeechEnded]
    (_, start), (emitted_at, end) = events
    assert start.offset_s == pytest.approx(0.5, abs=0.011)
    assert isinstance(end, SpeechEnded)
    assert end.offset_s == pytest.approx(1.5, abs=0.011)
    # the end is committed once 300 ms of silence followed the last voiced frame (within one block)
    assert emitted_at == pytest.approx(1.8, abs=0.021)
    # the utterance is the speech itself, without the trailing pause
    assert end.duration_s == pytest.approx(1.0, abs=0.011)
    assert end.level_dbfs == pytest.approx(-15.0, abs=0.5)


@pytest.mark.parametrize(("gap_s", "utterances"), [(0.2, 1), (0.6, 2)])
def test_a_gap_shorter_than_the_silence_duration_does_not_split_an_utterance(
    gap_s: float, utterances: int
) -> None:
    vad = EnergyVad(VadParams.from_setup(silence_duration_ms=400))
    events = run(vad, tone(0.5) + silence(gap_s) + tone(0.5) + silence(1.0))
    ends = [e for _, e in events if isinstance(e, SpeechEnded)]
    assert len(ends) == utterances
    if utterances == 1:
        assert ends[0].duration_s == pytest.approx(1.0 + gap_s, abs=0.011)


def test_prefix_padding_is_the_speech_needed_before_a_start_is_committed() -> None:
    click = tone(0.05)
    strict = EnergyVad(VadParams.from_setup(prefix_padding_ms=100, silence_duration_ms=100))
    assert run(strict, silence(0.2) + click + silence(0.5)) == []
    eager = EnergyVad(VadParams.from_setup(prefix_padding_ms=20, silence_duration_ms=100))
    kinds = [type(e) for _, e in run(eager, silence(0.2) + click + silence(0.5))]
    assert kinds == [SpeechStarted, SpeechEnded]


def test_a_start_is_reported_when_the_prefix_is_complete_but_dated_to_the_onset() -> None:
    vad = EnergyVad(VadParams.from_setup(prefix_padding_ms=200))
    events = run(vad, silence(0.3) + tone(0.5))
    (emitted_at, start), *_ = events
    assert start == SpeechStarted(offset_s=pytest.approx(0.3, abs=0.011))
    assert emitted_at == pytest.approx(0.5, abs=0.021)


@pytest.mark.parametrize(
    ("sensitivity", "heard"), [("START_SENSITIVITY_HIGH", True), ("START_SENSITIVITY_LOW", False)]
)
def test_start_sensitivity_sets_how_quiet_speech_may_be(sensitivity: str, heard: bool) -> None:
    vad = EnergyVad(VadParams.from_setup(start_sensitivity=sensitivity))
    events = run(vad, steady(0.5, -40.0) + silence(1.0))
    assert bool(events) is heard


@pytest.mark.parametrize(
    ("sensitivity", "duration_s"), [("END_SENSITIVITY_HIGH", 0.5), ("END_SENSITIVITY_LOW", 1.0)]
)
def test_end_sensitivity_sets_whether_a_quiet_tail_still_counts_as_speech(
    sensitivity: str, duration_s: float
) -> None:
    params = VadParams.from_setup(end_sensitivity=sensitivity, silence_duration_ms=300)
    events = run(EnergyVad(params), tone(0.5) + steady(0.5, -53.0) + silence(1.0))
    ends = [e for _, e in events if isinstance(e, SpeechEnded)]
    assert len(ends) == 1
    assert ends[0].duration_s == pytest.approx(duration_s, abs=0.011)


def test_unknown_sensitivities_fall_back_to_the_service_default() -> None:
    assert VadParams.from_setup("START_SENSITIVITY_UNSPECIFIED") == VadParams.from_setup()


def test_flush_ends_an_open_utterance_and_is_a_no_op_otherwise() -> None:
    vad = EnergyVad()
    assert vad.flush() == []
    events = run(vad, tone(0.7))
    assert [type(e) for _, e in events] == [SpeechStarted]
    assert vad.in_speech
    (end,) = vad.flush()
    assert isinstance(end, SpeechEnded)
    assert end.duration_s == pytest.approx(0.7, abs=0.011)
    assert not vad.in_speech


def test_a_long_utterance_is_cut_at_the_maximum() -> None:
    vad = EnergyVad(VadParams.from_setup(max_utterance_ms=1000))
    ends = [e for _, e in run(vad, tone(2.5)) if isinstance(e, SpeechEnded)]
    assert [round(e.duration_s, 2) for e in ends] == [1.0, 1.0]


def test_silence_alone_never_triggers() -> None:
    assert run(EnergyVad(), silence(3.0)) == []


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=2 * RATE * 3), max_size=12))
def test_results_do_not_depend_on_how_the_stream_is_cut(cuts: list[int]) -> None:
    pcm = silence(0.3) + tone(0.8) + silence(0.6) + tone(0.4) + silence(0.8)
    reference = [e for _, e in run(EnergyVad(), pcm, block_ms=1000)]
    vad = EnergyVad()
    events: list[VadEvent] = []
    bounds = sorted({0, len(pcm), *(c % (len(pcm) + 1) for c in cuts)})
    for lo, hi in itertools.pairwise(bounds):
        events.extend(vad.feed(pcm[lo:hi]))
    assert events == reference
    assert len(reference) == 4
