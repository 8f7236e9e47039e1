"""How to open the speaker (:class:`PlaybackConfig`), and why its buffer and prefill are what they are."""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop_app.audio.jitter_buffer import JitterConfig
from desktop_app.audio.output_policy import OutputPolicyConfig
from desktop_app.core.errors import ConfigError

__all__ = ["PlaybackConfig"]


@dataclass(frozen=True, slots=True)
class PlaybackConfig:
    """How to open the speaker.

    ``device`` is a PortAudio index (None: the default output); ``rate`` the device rate (None: 24 kHz
    if the device takes it, else its default rate). ``volume`` is a linear gain, 0–2.
    ``written_queue_blocks`` bounds the written blocks waiting for the loop (meter and timing records; the
    oldest are dropped when the loop falls that far behind).

    ``latency`` is the device buffer PortAudio is asked for (seconds, or "low"/"high"); None (the
    default) lets :class:`~desktop_app.audio.output_policy.OutputPolicy` choose it from ``policy``'s
    ladder: 20 ms first, a bigger rung after underflows, a smaller one (down to 10 ms) after clean minutes.
    The buffer is most of the downlink's latency (PulseAudio null sink, play() → audible: 30 ms buffer
    ≈ 43 ms, 10 ms ≈ 16–20 ms), but on a loaded machine a small one underflows (clicks, and a jump of the
    echo path under the canceller), so a fixed size is either slow everywhere or clicks somewhere. Blocks
    stay ``block_ms``, so an interrupt silences the next block written and reaches the speaker one buffer
    later.

    ``prefill_ms`` stays 40: with a reply in 20 ms chunks and ±10 ms of network jitter, a prefill of 0
    or 20 ms underran 15–22 or 7.5 times a minute and 40 ms not at all (the grid of
    :mod:`desktop_app.bench.playback_scenarios`), and a reply that arrives 40 ms at a time, or faster
    than real time as the service and the emulator send it, starts playing with its first chunk anyway.
    """

    device: int | None = None
    device_name: str = "default"
    rate: int | None = None
    block_ms: float = 5.0
    prefill_ms: float = 40.0
    max_prefill_ms: float = 200.0
    fade_ms: float = 4.0
    volume: float = 1.0
    latency: str | float | None = None
    policy: OutputPolicyConfig = field(default_factory=OutputPolicyConfig)
    written_queue_blocks: int = 100

    def __post_init__(self) -> None:
        if not 2.5 <= self.block_ms <= 20:
            raise ConfigError(f"The speaker block size must be 2.5–20 ms, not {self.block_ms:g}.")
        if not 0 <= self.prefill_ms <= self.max_prefill_ms:
            raise ConfigError("The speaker prefill must be between 0 and its maximum.")

    def jitter(self, rate: int) -> JitterConfig:
        """The jitter buffer's settings for a device opened at ``rate``."""
        return JitterConfig(
            rate=rate, prefill_ms=self.prefill_ms, max_prefill_ms=self.max_prefill_ms, fade_ms=self.fade_ms
        )
