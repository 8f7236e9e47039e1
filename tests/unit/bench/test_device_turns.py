"""Per-turn device latencies from bursts at the sinks, the emulator's timeline and the client's events."""

from __future__ import annotations

import pytest

from desktop_app.bench.device_turns import Note, turn_figures
from desktop_app.bench.onsets import Burst


def _audio_in(start: float, until: float, total0: float = 0.0) -> list[Note]:
    """20 ms chunks arriving 5 ms after they were spoken, from ``start`` (stream offset = time - start)."""
    notes: list[Note] = []
    k = 1
    while start + k * 0.02 <= until:
        notes.append((start + k * 0.02 + 0.005, "audio_in", total0 + k * 0.02))
        k += 1
    return notes


def test_a_turn_and_a_barge_in_split_into_their_shares() -> None:
    # The user speaks 10.0–10.6; the emulator holds the end (10.605) and decides at 10.805; its first reply
    # chunk goes out at 10.810, the client yields it at 10.812 and it sounds at the speaker sink at 10.830.
    # The user barges in at 11.2; the client hears "interrupted" at 11.26; the sink is silent at 11.275.
    mic = [Burst(10.0, 10.6), Burst(11.2, 11.46)]
    speaker = [Burst(10.83, 11.275), Burst(11.71, 11.96)]
    notes = _audio_in(10.0, 12.0)
    notes += [
        (10.805, "activity_end", 0.6),
        (10.81, "audio", 0.0),
        (10.85, "audio", 0.0),
        (11.23, "activity_start", 1.2),
        (11.665, "activity_end", 1.46),
        (11.69, "audio", 0.0),
    ]
    figures = turn_figures(mic, speaker, notes, [10.812, 10.852, 11.695], [11.26])
    assert figures.missed_replies == figures.missed_interruptions == 0
    assert figures.response == pytest.approx([230.0, 250.0])
    assert figures.uplink == pytest.approx([5.0, 5.0])
    assert figures.emulator_share == pytest.approx([205.0, 225.0])
    assert figures.client_share == pytest.approx([25.0, 25.0])
    assert figures.downlink_sent == pytest.approx([20.0, 20.0])
    assert figures.downlink_received == pytest.approx([18.0, 15.0])
    assert figures.interrupted_to_silence == pytest.approx([15.0])
    assert figures.onset_to_silence == pytest.approx([75.0])


def test_a_turn_without_a_reply_or_a_decision_is_missed_not_measured() -> None:
    mic = [Burst(1.0, 1.5), Burst(3.0, 3.5)]
    notes = [*_audio_in(1.0, 4.0), (1.7, "activity_end", 0.5), (1.71, "audio", 0.0)]
    figures = turn_figures(mic, [Burst(1.75, 2.2)], notes, [1.72], [])
    assert figures.missed_replies == 1  # the second turn got no reply
    assert figures.response == pytest.approx([250.0])
    nothing = turn_figures(mic, [Burst(1.75, 2.2)], _audio_in(1.0, 4.0), [1.72], [])
    assert nothing.missed_replies == 2 and nothing.response == []  # the emulator never decided


def test_a_reply_that_does_not_stop_after_interrupted_is_missed() -> None:
    mic = [Burst(11.2, 11.45)]
    speaker = [Burst(10.83, 11.9)]  # the client heard "interrupted" only after the reply had ended
    figures = turn_figures(mic, speaker, [], [], [12.0])
    assert figures.interrupted_to_silence == []
    assert figures.missed_interruptions == 1  # the event came after the reply had fallen silent
    assert figures.missed_replies == 1  # and the barge-in got no reply either


def test_a_barge_in_during_a_dropout_is_missed_when_the_emulator_interrupted() -> None:
    mic = [Burst(11.2, 11.46)]
    speaker = [Burst(10.83, 11.15), Burst(11.4, 11.5)]  # the reply was in a 250 ms dropout at 11.2
    interrupted = turn_figures(mic, speaker, [(11.25, "interrupted", 0.0)], [], [11.27])
    assert interrupted.missed_interruptions == 1
    assert interrupted.interrupted_to_silence == []
    plain_turn = turn_figures(mic, speaker, [], [], [])
    assert plain_turn.missed_interruptions == 0  # nothing was interrupted: just a turn
