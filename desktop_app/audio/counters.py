"""The audio counters the headless CLI prints at the end and the benchmarks read, and the speaker's timing
records (:class:`SpeakerTiming`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AudioCounters", "SpeakerTiming"]


@dataclass(frozen=True, slots=True)
class AudioCounters:
    """A snapshot of capture and playback counters (all counts since the devices were opened).

    * ``blocks_captured``: device callbacks on the input side; ``blocks_delivered``: 16 kHz blocks handed
      to the engine (the engine counts what it sent).
    * ``drops``: captured blocks dropped because the engine fell behind (oldest first).
    * ``overflows``: PortAudio input overflows (the device had to throw audio away).
    * ``underruns``: the speaker's jitter buffer ran dry in the middle of a reply (zeros were played);
      ``underrun_ms`` is how much silence that inserted.
    * ``output_underflows``: PortAudio output underflows (the device ran dry below our buffer).
    * ``output_buffer_ms``: the speaker's device buffer now; ``output_buffer_changes``: how often its
      policy reopened it bigger or smaller; ``prefill_ms``: the jitter buffer's prefill now (it grows
      after underruns). Adding two snapshots keeps the larger of these gauges, the sum of the counts.
    """

    blocks_captured: int = 0
    blocks_delivered: int = 0
    drops: int = 0
    overflows: int = 0
    underruns: int = 0
    underrun_ms: float = 0.0
    output_underflows: int = 0
    output_buffer_ms: float = 0.0
    output_buffer_changes: int = 0
    prefill_ms: float = 0.0

    def line(self) -> str:
        """One human line, e.g. for the headless CLI's closing status."""
        return (
            f"audio: {self.blocks_captured} blocks captured, {self.blocks_delivered} delivered, "
            f"{self.drops} dropped, {self.overflows} input overflows, {self.underruns} underruns "
            f"({self.underrun_ms:.0f} ms), {self.output_underflows} output underflows; speaker buffer "
            f"{self.output_buffer_ms:.0f} ms ({self.output_buffer_changes} changes), "
            f"prefill {self.prefill_ms:.0f} ms"
        )

    def __add__(self, other: AudioCounters) -> AudioCounters:
        return AudioCounters(
            self.blocks_captured + other.blocks_captured,
            self.blocks_delivered + other.blocks_delivered,
            self.drops + other.drops,
            self.overflows + other.overflows,
            self.underruns + other.underruns,
            self.underrun_ms + other.underrun_ms,
            self.output_underflows + other.output_underflows,
            max(self.output_buffer_ms, other.output_buffer_ms),
            self.output_buffer_changes + other.output_buffer_changes,
            max(self.prefill_ms, other.prefill_ms),
        )


@dataclass(frozen=True, slots=True)
class SpeakerTiming:
    """How fast the speaker acted on a call: a new turn's first chunk given to ``play()``
    (:attr:`~desktop_app.audio.playback.SpeakerPlayback.last_turn`), or ``interrupt()`` (``last_interrupt``).

    ``asked_at``: the call; ``written_at``: the callback that wrote the turn's first sample (for an
    interrupt: the first silent one); ``dac_at``: when PortAudio predicts that sample reaches the DAC.
    """

    asked_at: float
    written_at: float
    dac_at: float

    @property
    def written_ms(self) -> float:
        return (self.written_at - self.asked_at) * 1000.0

    @property
    def dac_ms(self) -> float:
        return (self.dac_at - self.asked_at) * 1000.0
