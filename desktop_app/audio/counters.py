"""The audio counters the headless CLI prints at the end and the benchmarks read, and the speaker's timing
records (:attr:`~desktop_app.audio.playback.SpeakerPlayback.last_turn`, ``last_interrupt``)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AudioCounters", "InterruptTiming", "TurnTiming"]


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
    """

    blocks_captured: int = 0
    blocks_delivered: int = 0
    drops: int = 0
    overflows: int = 0
    underruns: int = 0
    underrun_ms: float = 0.0
    output_underflows: int = 0

    def line(self) -> str:
        """One human line, e.g. for the headless CLI's closing status."""
        return (
            f"audio: {self.blocks_captured} blocks captured, {self.blocks_delivered} delivered, "
            f"{self.drops} dropped, {self.overflows} input overflows, {self.underruns} underruns "
            f"({self.underrun_ms:.0f} ms), {self.output_underflows} output underflows"
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
        )


@dataclass(frozen=True, slots=True)
class TurnTiming:
    """When a new turn's first chunk reached the speaker's ``play()`` and left for the device."""

    received_at: float
    written_at: float
    dac_at: float

    @property
    def to_device_ms(self) -> float:
        return (self.written_at - self.received_at) * 1000.0


@dataclass(frozen=True, slots=True)
class InterruptTiming:
    """When the speaker's ``interrupt()`` was called and when the written output went silent."""

    requested_at: float
    silent_written_at: float
    silent_dac_at: float

    @property
    def to_silence_ms(self) -> float:
        return (self.silent_written_at - self.requested_at) * 1000.0
