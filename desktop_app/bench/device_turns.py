"""Turning what the device-latency bench recorded into per-turn latencies. Pure; no I/O.

Inputs, all on ``time.monotonic`` (CLOCK_MONOTONIC, shared by every process on the machine):

* ``mic``: the bursts of the user's speech as the microphone sink's monitor recorded them;
* ``speaker``: the bursts of the reply as the speaker sink's monitor recorded them;
* ``notes``: the emulator's timeline (:mod:`desktop_app.emulator.timeline`): ``(time, kind, value)``;
* ``received_audio`` / ``received_interrupted``: when the client's session yielded each ``ModelAudio`` and
  each ``Interrupted`` on its loop.

Each mic burst is one user turn. Its reply is the first speaker burst that starts after the burst ends and
before the next one starts. A mic burst that starts while a speaker burst sounds is a barge-in: that speaker
burst's end is when the reply fell silent at the sink. A turn whose parts cannot all be found is counted in
:attr:`TurnFigures.missed_replies` (no reply, or no VAD decision or client event for it) or
:attr:`TurnFigures.missed_interruptions` (no ``Interrupted`` before the reply fell silent, or the emulator
interrupted a reply that was not sounding at the sink when the user started) and contributes no figure, so
one lost turn cannot skew the others.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from desktop_app.bench.onsets import Burst, burst_at, next_burst

__all__ = ["Note", "TurnFigures", "turn_figures"]

Note = tuple[float, str, float]

MAX_TURN_S = 5.0
"""A reply, a VAD decision or a client event further than this from its turn belongs to another turn."""


@dataclass(slots=True)
class TurnFigures:
    """Per-turn latencies in ms; :meth:`add` them up with :func:`turn_figures`."""

    response: list[float] = field(
        default_factory=list
    )  # user's speech ends (mic sink) → reply (speaker sink)
    emulator_share: list[float] = field(default_factory=list)  # end of speech received → first reply sent
    client_share: list[float] = field(default_factory=list)  # response - emulator_share
    uplink: list[float] = field(default_factory=list)  # end of speech at the mic sink → received by emulator
    downlink_sent: list[float] = field(default_factory=list)  # first reply chunk sent → reply at the sink
    downlink_received: list[float] = field(default_factory=list)  # ... received by the client → at the sink
    interrupted_to_silence: list[float] = field(default_factory=list)  # client got interrupted → silent sink
    onset_to_silence: list[float] = field(default_factory=list)  # barge-in starts (mic sink) → silent sink
    missed_replies: int = 0  # turns with no reply found, or no VAD decision or client event for it
    missed_interruptions: int = 0  # barge-ins not measured: the reply was silent before Interrupted came


def _first_at_or_after(times: list[float], t: float) -> float | None:
    index = bisect.bisect_left(times, t)
    return times[index] if index < len(times) and times[index] - t <= MAX_TURN_S else None


class _Timeline:
    """The emulator's notes, indexed for the questions below."""

    def __init__(self, notes: list[Note]) -> None:
        ordered = sorted(notes)
        self.audio_in = [(t, v) for t, kind, v in ordered if kind == "audio_in"]
        self.audio_in_totals = [v for _, v in self.audio_in]
        self.ends = [(t, v) for t, kind, v in ordered if kind == "activity_end"]
        self.end_times = [t for t, _ in self.ends]
        self.audio_sent = [t for t, kind, _ in ordered if kind == "audio"]
        self.interrupted = [t for t, kind, _ in ordered if kind == "interrupted"]

    def end_of_speech(self, after: float) -> tuple[float, float] | None:
        """(when the audio holding the end of speech arrived, when the VAD said so) for the first end of
        speech decided after ``after``."""
        index = bisect.bisect_left(self.end_times, after)
        if index == len(self.ends) or self.ends[index][0] - after > MAX_TURN_S:
            return None
        decided, offset = self.ends[index]
        chunk = bisect.bisect_left(self.audio_in_totals, offset - 1e-6)
        if chunk == len(self.audio_in):
            return None
        return self.audio_in[chunk][0], decided


def turn_figures(
    mic: list[Burst],
    speaker: list[Burst],
    notes: list[Note],
    received_audio: list[float],
    received_interrupted: list[float],
) -> TurnFigures:
    """The figures of every turn in the recording (see the module docstring)."""
    out = TurnFigures()
    timeline = _Timeline(notes)
    received_audio = sorted(received_audio)
    received_interrupted = sorted(received_interrupted)
    for index, turn in enumerate(mic):
        following = mic[index + 1].start_s if index + 1 < len(mic) else float("inf")
        cut = burst_at(speaker, turn.start_s)
        if cut is None:  # the emulator may still have taken it as a barge-in (the sink was in a dropout)
            interrupted = _first_at_or_after(timeline.interrupted, turn.start_s)
            if interrupted is not None and interrupted <= turn.end_s:
                out.missed_interruptions += 1
        else:  # a barge-in: the reply sounding now must fall silent
            heard = _first_at_or_after(received_interrupted, turn.start_s)
            if heard is None or heard > cut.end_s:
                out.missed_interruptions += 1
            else:
                out.interrupted_to_silence.append((cut.end_s - heard) * 1000)
                out.onset_to_silence.append((cut.end_s - turn.start_s) * 1000)
        reply = next_burst(speaker, turn.end_s)
        eos = timeline.end_of_speech(turn.end_s)
        if reply is None or reply.start_s >= following or eos is None:
            out.missed_replies += 1
            continue
        arrived, decided = eos
        sent = _first_at_or_after(timeline.audio_sent, decided)
        received = _first_at_or_after(received_audio, sent) if sent is not None else None
        if sent is None or received is None or not arrived <= sent <= reply.start_s:
            out.missed_replies += 1
            continue
        response = (reply.start_s - turn.end_s) * 1000
        emulator = (sent - arrived) * 1000
        out.response.append(response)
        out.emulator_share.append(emulator)
        out.client_share.append(response - emulator)
        out.uplink.append((arrived - turn.end_s) * 1000)
        out.downlink_sent.append((reply.start_s - sent) * 1000)
        out.downlink_received.append((reply.start_s - received) * 1000)
    return out
