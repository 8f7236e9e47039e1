"""Acoustic echo cancellation: the WebRTC audio processing module, fed the speaker signal as reference.

Why ``pywebrtc-audio`` (``pywebrtc_audio.AudioProcessor``, WebRTC AEC3) and not the other candidates, by
measurement on this machine (2-core AMD EPYC, 16 kHz mono, 20 ms blocks):

=====================  ==============================  ============================================
candidate              measured                        notes
=====================  ==============================  ============================================
pywebrtc-audio 0.2.0   synthetic 60 ms echo: ERLE      numpy in/out, typed stubs, GIL released, no
                       32.1 dB; PulseAudio loopback    threads, 1 MB; NS level, HPF, AGC, reset()
                       (same recording): 71.2 dB,
                       double talk -4.9 dB; 58 µs CPU
                       per 10 ms frame
livekit 1.2.1          synthetic: 33.1 dB; loopback:   the same AEC3 behind a Rust FFI with a
(rtc.AudioProcessing   67.8 dB, double talk -4.6 dB;   protobuf request per call, 30 MB, starts 4
Module)                52 µs per 10 ms frame           runtime threads, one 10 ms AudioFrame per
                                                       call; set_stream_delay_ms raised
                                                       RuntimeError above ~450 ms
webrtc-apm 0.1.6       —                               no wheel for this platform or any Python
                                                       version in the registry: not installable
=====================  ==============================  ============================================

Both working bindings run the same AEC3 and cancel alike (within 1–4 dB either way on the same input),
both tolerate a reference that leads its echo by 0–450 ms (a reference 10 ms *late* loses ~20 dB), and
the CPU is a rounding error (0.6 % of one core). ``pywebrtc-audio`` wins on what remains: numpy arrays in
and out, no extra threads or 30 MB native runtime, and its ``process(near, far)`` call is exactly the
shape of this module, which pairs each captured frame with the dated reference itself
(:mod:`.render_timeline`).

Double talk is AEC3's weak spot, whichever binding: when the echo reaches the microphone as loud as the
user (0 dB echo path), AEC3 ducks the user by ~10 dB while the model talks; with the echo 10 dB below the
user, by ~5 dB (tests/devices/test_echo_cancellation.py measures both).

Threading: the canceller owns the hand-off of the speaker signal. The playback callback gives each block it
wrote to :meth:`EchoCanceller.render_written` (one append to a bounded drop-oldest queue, the only call made
on the PortAudio thread); everything else runs on the loop thread (≈120 µs per 20 ms block). The capture
shell passes each 16 kHz block through :meth:`EchoCanceller.process` with the time it left the ADC, and
:meth:`~EchoCanceller.process` first takes every queued speaker block onto the :mod:`.render_timeline`: when
the loop is busy, the reference a mic block needs is often still queued, and reading without it would move
the reference (a late read) and make AEC3 re-find the echo path. Both times come from PortAudio's callback
timestamps (``outputBufferDacTime``, ``inputBufferAdcTime`` relative to ``currentTime``), mapped onto
``time.monotonic``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from desktop_app.audio.handoff import DropOldest
from desktop_app.audio.render_timeline import RenderTimeline
from desktop_app.audio.resample import StreamResampler
from desktop_app.audio.stream_times import StreamTimeMapper
from desktop_app.core.audio_format import MIC_FORMAT, to_pcm16

__all__ = ["AecEngine", "EchoCanceller", "EchoSettings", "WebRtcApm"]

Int16Array = npt.NDArray[np.int16]
FloatArray = npt.NDArray[np.float32]

# (callback monotonic time, PortAudio currentTime, outputBufferDacTime, mono float block written, its rate)
_Rendered = tuple[float, float, float, FloatArray, int]


@dataclass(frozen=True, slots=True)
class EchoSettings:
    """What the user chose. ``headphones=True`` turns echo cancellation off; NS is independent.

    ``lead_ms`` pairs each mic block with the reference that played this much *after* it left the ADC, so
    small timestamp errors keep the reference early (see :mod:`.render_timeline`).
    """

    headphones: bool = False
    noise_suppression: bool = False
    ns_level: int = 1  # 0–3: 6, 12, 18, 21 dB
    lead_ms: float = 10.0

    @property
    def echo_cancellation(self) -> bool:
        return not self.headphones

    @property
    def active(self) -> bool:
        return self.echo_cancellation or self.noise_suppression


class AecEngine(Protocol):
    """One 16 kHz mono processing step: ``near`` (mic) and ``far`` (reference) of equal length."""

    def process(self, near: Int16Array, far: Int16Array | None) -> Int16Array: ...

    def reset(self) -> None: ...


class WebRtcApm:
    """:class:`AecEngine` on ``pywebrtc_audio.AudioProcessor`` (AEC3, optional NS; HPF comes with AEC)."""

    def __init__(self, settings: EchoSettings, rate: int = MIC_FORMAT.rate) -> None:
        import pywebrtc_audio  # imported here: only this class needs the native module

        self._ap = pywebrtc_audio.AudioProcessor(
            sample_rate=rate,
            num_channels=1,
            echo_cancellation=settings.echo_cancellation,
            noise_suppression=settings.noise_suppression,
            high_pass_filter=settings.echo_cancellation,
            ns_level=settings.ns_level,
            stream_delay_ms=max(0, round(settings.lead_ms)),
        )
        self._aec = settings.echo_cancellation

    def process(self, near: Int16Array, far: Int16Array | None) -> Int16Array:
        if self._aec:
            if far is None:
                far = np.zeros_like(near)
            out: Int16Array = self._ap.process(near, far)
        else:
            out = self._ap.process(near)
        return out

    def reset(self) -> None:
        self._ap.reset()


class EchoCanceller:
    """Cleans captured 16 kHz blocks of what the speaker played. Loop thread only.

    Wiring (the factory does it, :func:`desktop_app.audio.factory.open_audio`): give the same instance to
    :class:`~desktop_app.audio.playback.SpeakerPlayback` (its callback calls :meth:`render_written`) and to
    :class:`~desktop_app.audio.capture.MicCapture` (it calls :meth:`process`). With headphones and no NS
    it is a pass-through that costs nothing. ``render_queue_blocks`` bounds the speaker blocks waiting for
    the next :meth:`process` (the oldest are dropped, counted in :attr:`render_drops`): 400 speaker blocks
    of 5 ms are the timeline's 2 s, so a microphone backlog (at most its ``queue_ms``, 500 ms) that is
    processed late still finds its reference.
    """

    def __init__(
        self,
        settings: EchoSettings | None = None,
        *,
        engine: AecEngine | None = None,
        rate: int = MIC_FORMAT.rate,
        render_queue_blocks: int = 400,
    ) -> None:
        self.settings = settings or EchoSettings()
        self.rate = rate
        self._engine: AecEngine | None = engine
        if self._engine is None and self.settings.active:
            self._engine = WebRtcApm(self.settings, rate)
        self.timeline = RenderTimeline(rate)
        self._render_resampler: StreamResampler | None = None
        self._render_in = 0  # input frames fed to the render resampler
        self._render_out = 0  # output frames it produced
        self._lead = self.settings.lead_ms / 1000.0
        self._rendered: DropOldest[_Rendered] = DropOldest(render_queue_blocks)
        self._render_times = StreamTimeMapper()
        self.block_levels: deque[tuple[float, float | None]] = deque(maxlen=64)
        """Per processed block, oldest first: the mean squares (full scale 1.0) of the microphone before
        processing and of the reference (None without echo cancellation). Read-only for others: the local
        barge-in detector pops one per block it receives; unread ones fall off the old end."""

    @property
    def enabled(self) -> bool:
        return self._engine is not None

    @property
    def wants_render(self) -> bool:
        """Whether the speaker signal is used at all (False with headphones or no processing)."""
        return self._engine is not None and self.settings.echo_cancellation

    @property
    def render_drops(self) -> int:
        """Speaker blocks dropped because no :meth:`process` took them in time (oldest first)."""
        return self._rendered.drops

    def render_written(
        self, cb_time: float, stream_now: float, stream_dac: float, samples: FloatArray, rate: int
    ) -> None:
        """PortAudio output thread: hand off a block just written to the device.

        ``cb_time`` is ``time.monotonic()`` in the callback, ``stream_now`` and ``stream_dac`` its
        ``currentTime`` and ``outputBufferDacTime``; ``samples`` is mono float at ``rate``, a copy the caller
        never touches again. Only appends to a bounded drop-oldest queue: never blocks, never raises.
        """
        if self.wants_render:
            self._rendered.put((cb_time, stream_now, stream_dac, samples, rate))

    def _take_rendered(self) -> None:
        """Date every queued speaker block on the monotonic clock and push it onto the timeline."""
        for cb_time, stream_now, stream_dac, samples, rate in self._rendered.pop_all():
            self._render_times.observe(cb_time, stream_now)
            self.push_render(samples, rate, self._render_times.to_monotonic(stream_dac, cb_time, stream_now))

    def push_render(self, samples: npt.NDArray[np.floating], rate: int, dac_time: float) -> None:
        """Record a played block (mono float at ``rate``) whose first sample hits the DAC at ``dac_time``.
        Loop thread; :meth:`render_written` is the callback-side way in."""
        if not self.wants_render:
            return
        rs = self._render_resampler
        if rs is None or rs.in_rate != rate:
            rs = self._render_resampler = StreamResampler(rate, self.rate)
            self._render_in = self._render_out = 0
        out = rs.process(samples)
        # Output sample k of the resampler is input time k / rate_out: date it from this block's anchor.
        start = dac_time + self._render_out / self.rate - self._render_in / rate
        self._render_in += len(samples)
        self._render_out += len(out)
        self.timeline.push(out, start)

    def process(self, near: Int16Array, adc_time: float) -> Int16Array:
        """Process one captured block (PCM16 at 16 kHz; a multiple of 10 ms keeps AEC3 frames aligned)."""
        if self._engine is None:
            return near
        far: Int16Array | None = None
        far_ms: float | None = None
        if self.settings.echo_cancellation:
            self._take_rendered()
            ref = self.timeline.read(adc_time + self._lead, len(near))
            far = to_pcm16(ref)
            far_ms = float(np.dot(ref, ref)) / max(1, len(ref))
        near_ms = float(np.einsum("i,i->", near, near, dtype=np.float64)) / max(1, len(near)) / 2.0**30
        self.block_levels.append((near_ms, far_ms))
        return self._engine.process(near, far)

    def reset(self) -> None:
        if self._engine is not None:
            self._engine.reset()
