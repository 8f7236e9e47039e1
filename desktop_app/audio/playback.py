"""Speaker playback (a :class:`desktop_app.core.ports.AudioSink`): the model's 24 kHz PCM16 through a jitter
buffer into a PortAudio output stream.

Threads: :meth:`SpeakerPlayback.play` and :meth:`SpeakerPlayback.interrupt` run on the loop thread; they
resample to the device rate (soxr, only if the device will not take 24 kHz) and write the
:class:`~desktop_app.audio.jitter_buffer.JitterBuffer` under a lock held for one deque append. The
PortAudio callback (``block_ms``, 5 ms by default, never more than 20) takes the same lock for one block
copy, applies the volume, fills the device buffer (zeros on underflow) and hands a copy of what it wrote,
dated with its DAC time, to the echo canceller (:meth:`~desktop_app.audio.echo.EchoCanceller.render_written`,
the canceller's own bounded queue) and back to the loop (bounded, drop-oldest) for the output meter and the
timing records. The stream runs continuously (silence between turns), so a reply starts within one block and
the canceller's reference never has gaps.

Interrupt: the buffer keeps ``fade_ms`` (4 ms) of what was about to play, ramps it to zero and drops the
rest; the next callback plays the fade and then silence, so the output is silent within one block.
:meth:`SpeakerPlayback.aclose` fades the same way before it stops the stream, so closing mid-reply does not
click either.

Device buffer: the smallest that holds on this machine, chosen by
:class:`~desktop_app.audio.output_policy.OutputPolicy` from the underflows PortAudio reports (the stream
is reopened at a bigger buffer between replies, or at once if they keep coming); its size and changes are
in :meth:`SpeakerPlayback.counters`.

Timing records for the benchmarks (``time.monotonic``): :attr:`~SpeakerPlayback.last_turn` (first chunk
played → first sample written) and :attr:`~SpeakerPlayback.last_interrupt` (→ last sound written).

Failures (the stream's life is :class:`~desktop_app.audio.streams.DeviceStream`'s, shared with the
microphone): a stream that stops on its own publishes one :class:`~desktop_app.core.events.ErrorEvent`
(``code="audio_output"``); afterwards :meth:`play` discards audio and :meth:`drain` returns at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from typing import Any

import numpy as np
import numpy.typing as npt

from desktop_app.audio.counters import AudioCounters, SpeakerTiming
from desktop_app.audio.ducking import DuckGain
from desktop_app.audio.handoff import Handoff
from desktop_app.audio.jitter_buffer import BufferState, JitterBuffer, ReadResult
from desktop_app.audio.output_policy import OutputPolicy
from desktop_app.audio.playback_config import PlaybackConfig
from desktop_app.audio.resample import StreamResampler
from desktop_app.audio.stream_times import StreamTimeMapper
from desktop_app.audio.streams import UNWIRED, DeviceShell, ShellWiring
from desktop_app.core.audio_format import MODEL_FORMAT, pcm16_to_float
from desktop_app.core.errors import MediaError
from desktop_app.core.events import ModelAudio

__all__ = ["PlaybackConfig", "SpeakerPlayback"]

log = logging.getLogger(__name__)

_FALLBACK_RATES = (48_000, 44_100)
_WAKE_EVERY_S = 0.04  # the meter and the ready check need no more: 25 wake-ups a second, not 200

FADE_OUT_TIMEOUT_S = 0.2
"""How long :meth:`SpeakerPlayback.aclose` waits for its fade-out to be written before it stops anyway."""

# (callback monotonic time, PortAudio currentTime, outputBufferDacTime, mono copy written, buffer report)
_Written = tuple[float, float, float, npt.NDArray[np.float32], ReadResult]


class SpeakerPlayback(DeviceShell):
    """The speaker as an :class:`~desktop_app.core.ports.AudioSink`. Construct, :meth:`start` (opens the
    device; raises MediaError), use from the loop thread, :meth:`aclose`.
    """

    kind = "output"
    unavailable = "Replies still appear as text."

    def __init__(
        self,
        config: PlaybackConfig,
        loop: asyncio.AbstractEventLoop,
        wiring: ShellWiring = UNWIRED,
    ) -> None:
        super().__init__(loop, config, wiring)
        self.config = config
        canceller = wiring.canceller
        self._canceller = canceller if canceller is not None and canceller.wants_render else None
        self._lock = threading.Lock()
        self._jb: JitterBuffer | None = None
        self._resampler: StreamResampler | None = None
        self._scratch = np.zeros(0, dtype=np.float32)
        self._gain = self._target_gain = float(np.clip(config.volume, 0.0, 2.0))
        self._written: Handoff[_Written] = Handoff(
            loop, maxlen=config.written_queue_blocks, on_ready=self._pump
        )
        self._next_wake = 0.0  # the callback's next routine wake-up of the loop (monotonic s)
        self._pending_turn: float | None = None
        self._pending_interrupt: float | None = None
        self.last_turn: SpeakerTiming | None = None
        self.last_interrupt: SpeakerTiming | None = None
        self._recent: deque[float] = deque(maxlen=10)  # callback times, for :attr:`ready`
        self._times = StreamTimeMapper()
        self.ducker: DuckGain | None = None
        """Local barge-in's ramped gain, applied to every block handed to the device (set on the loop)."""
        self._policy = OutputPolicy(config.policy) if config.latency is None else None

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Open and start the output stream. Raises :class:`MediaError` with PortAudio's reason."""
        if self._device.stream is not None:
            return
        policy = self._policy
        self._device.open(
            self._callback,
            _FALLBACK_RATES,
            preferred_rate=MODEL_FORMAT.rate,
            latency=None if policy is None else policy.latency,
        )
        self._jb = JitterBuffer(self.config.jitter(self.rate))
        self._resampler = StreamResampler(MODEL_FORMAT.rate, self.rate)
        self._scratch = np.zeros(max(1, round(self.rate * self.config.block_ms / 1000)) * 4, "f4")
        self._device.start()
        if policy is not None:
            policy.opened(time.monotonic(), self._device.xruns)

    def close(self) -> None:
        """Stop the stream at once (queued audio is dropped, mid-waveform: prefer :meth:`aclose`). Safe
        to call twice."""
        self._device.close()
        self._written.close()

    async def aclose(self) -> None:
        """Fade out what is playing (as :meth:`interrupt`, ``fade_ms``), let the fade reach the speaker,
        then stop the stream (:meth:`DeviceShell.aclose`). A reply cut this way ends in a ramp, not a
        click. Waits at most ``FADE_OUT_TIMEOUT_S`` for the fade. Safe to call twice."""
        await self._fade_out()
        await super().aclose()

    async def _fade_out(self) -> None:
        jb, stream = self._jb, self._device.stream
        if jb is None or stream is None or self.error is not None:
            return
        with self._lock:
            audible = not jb.is_empty
        if not audible:
            return
        self.interrupt()

        def faded() -> bool:
            with self._lock:
                return jb.is_empty

        with contextlib.suppress(TimeoutError):
            await self._device.wait_for(faded, FADE_OUT_TIMEOUT_S)
            await asyncio.sleep(float(stream.latency))  # the fade still has to leave the device buffer

    @property
    def output_underflows(self) -> int:
        return self._device.xruns

    @property
    def output_buffer_ms(self) -> float:
        """The device buffer the stream runs with (PortAudio's own figure once open), in ms."""
        stream = self._device.stream
        if stream is not None:
            return float(stream.latency) * 1000.0
        latency = self._device.latency
        return latency * 1000.0 if isinstance(latency, float | int) else float("nan")

    @property
    def output_policy(self) -> OutputPolicy | None:
        """The buffer policy (None when ``latency`` was fixed in the config)."""
        return self._policy

    # --- AudioSink (loop thread) ----------------------------------------------------------------------

    def play(self, chunk: ModelAudio) -> None:
        """Queue a chunk of the model's audio (any rate; mono or interleaved PCM16)."""
        jb, rs = self._jb, self._resampler
        if jb is None or rs is None or self._device.closed or self.error is not None:
            return
        samples = pcm16_to_float(chunk.pcm)
        if chunk.fmt.channels > 1:
            samples = samples[: len(samples) // chunk.fmt.channels * chunk.fmt.channels]
            samples = samples.reshape(-1, chunk.fmt.channels).mean(axis=1, dtype=np.float32)
        if rs.in_rate != chunk.fmt.rate:
            rs = self._resampler = StreamResampler(chunk.fmt.rate, self.rate)
        new_turn = jb.state is BufferState.IDLE
        if new_turn:
            rs.reset()  # no tail of the previous turn leaks into this one
        out = rs.process(samples)
        with self._lock:
            new_turn = jb.state is BufferState.IDLE
            jb.write(out)
        if new_turn:
            self._pending_turn = time.monotonic()

    def interrupt(self) -> None:
        """Fade out within ``fade_ms`` and drop everything queued (the user barged in)."""
        jb = self._jb
        if jb is None:
            return
        now = time.monotonic()
        with self._lock:
            jb.interrupt()
        if self._resampler is not None:
            self._resampler.reset()
        self._pending_turn = None
        self._pending_interrupt = now

    async def drain(self) -> None:
        """Wait until everything queued has been written, plus the device's output latency."""
        jb = self._jb
        if jb is None:
            return

        def written_all() -> bool:
            with self._lock:
                busy = not jb.is_empty or jb.state is BufferState.BUFFERING
            return not busy or self._device.closed or self.error is not None

        await self._device.wait_for(written_all, None)
        stream = self._device.stream
        if stream is not None and self.error is None:
            await asyncio.sleep(float(stream.latency))  # the last block still has to reach the DAC

    # --- volume -----------------------------------------------------------------------------------------

    @property
    def volume(self) -> float:
        return self._target_gain

    @volume.setter
    def volume(self, value: float) -> None:
        """Linear gain 0–2, applied from the next block with a one-block ramp (no zipper noise)."""
        self._target_gain = float(np.clip(value, 0.0, 2.0))

    # --- PortAudio thread -----------------------------------------------------------------------------

    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        now = time.monotonic()
        buf = self._scratch[:frames] if frames <= len(self._scratch) else np.zeros(frames, "f4")
        jb = self._jb
        if jb is None:
            buf[:] = 0.0
            outdata.fill(0)
            return
        # The one place the device's samples are made: jitter buffer → gain → device (and a copy to the
        # canceller and the loop). A further per-block gain (ducking) multiplies ``buf`` here too.
        with self._lock:
            result = jb.read_into(buf)
        target = self._target_gain
        if target != self._gain:
            buf *= np.linspace(self._gain, target, frames, dtype=np.float32)
            self._gain = target
        elif target != 1.0:
            buf *= target
        if (ducker := self.ducker) is not None:
            ducker.apply(buf)
        outdata[:] = buf[:, None]
        written = buf.copy()
        stream_now, stream_dac = time_info.currentTime, time_info.outputBufferDacTime
        if self._canceller is not None:
            self._canceller.render_written(now, stream_now, stream_dac, written, self._device.rate)
        # the loop wakes for what it must time (a turn's start, silence, running dry), else every 40 ms
        wake = (
            now >= self._next_wake or result.turn_started_at >= 0 or result.silent_at >= 0 or result.drained
        )
        if wake:
            self._next_wake = now + _WAKE_EVERY_S
        self._written.put((now, stream_now, stream_dac, written, result), wake)

    # --- loop thread --------------------------------------------------------------------------------------

    def _pump(self) -> None:
        for cb_time, stream_now, stream_dac, samples, result in self._written.pop_all():
            self._recent.append(cb_time)
            self._times.observe(cb_time, stream_now)
            dac_time = self._times.to_monotonic(stream_dac, cb_time, stream_now)
            if self._levels is not None:
                self._levels.add_output(samples)
            if result.turn_started_at >= 0 and self._pending_turn is not None:
                offset = result.turn_started_at / self.rate
                self.last_turn = SpeakerTiming(self._pending_turn, cb_time, dac_time + offset)
                self._pending_turn = None
            if result.silent_at >= 0 and self._pending_interrupt is not None:
                offset = result.silent_at / self.rate
                self.last_interrupt = SpeakerTiming(self._pending_interrupt, cb_time, dac_time + offset)
                self._pending_interrupt = None
        self._adapt()
        self._device.notify()

    def _adapt(self) -> None:
        """Ask the buffer policy about the underflows so far; reopen the stream at the latency it names."""
        policy, jb = self._policy, self._jb
        if policy is None or jb is None or self._device.stream is None:
            return
        with self._lock:
            idle = jb.state is BufferState.IDLE and jb.is_empty
        underflows = self._device.xruns
        latency = policy.observe(time.monotonic(), underflows, idle=idle)
        if latency is None:
            return
        try:
            self._device.reopen(self._callback, latency)
        except MediaError as err:
            policy.reopen_failed()
            self._device.fail(f"{err} {self.unavailable}")
            return
        self._recent.clear()
        self._times = StreamTimeMapper()  # a new stream, a new clock
        policy.opened(time.monotonic(), self._device.xruns)
        log.info("speaker buffer now %g ms after %d underflows", latency * 1000, underflows)

    @property
    def ready(self) -> bool:
        """The device is consuming blocks at its real rate (not the start-up burst, not a stall).

        The PulseAudio ALSA plugin here takes three blocks at once, then nothing for ~1.9 s.
        """
        if len(self._recent) < 10 or self.error is not None:
            return False
        span = self._recent[-1] - self._recent[0]
        nominal = (len(self._recent) - 1) * self.config.block_ms / 1000.0
        return 0.5 * nominal <= span <= 3.0 * nominal

    # --- stats ----------------------------------------------------------------------------------------------

    @property
    def jitter_buffer(self) -> JitterBuffer | None:
        return self._jb

    def counters(self) -> AudioCounters:
        jb = self._jb
        if jb is None:
            return AudioCounters(output_underflows=self.output_underflows)
        policy = self._policy
        return AudioCounters(
            underruns=jb.underruns,
            underrun_ms=jb.underrun_frames * 1000.0 / self.rate,
            output_underflows=self.output_underflows,
            output_buffer_ms=self.output_buffer_ms,
            output_buffer_changes=0 if policy is None else policy.raises + policy.lowers,
            prefill_ms=jb.prefill_frames * 1000.0 / self.rate,
        )
