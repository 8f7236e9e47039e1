"""Microphone capture: a PortAudio input stream at the device's own rate, delivered as 16 kHz PCM16 blocks.

Implements :class:`desktop_app.core.ports.AudioSource`.

Threads: the PortAudio callback only copies the block, dates it and appends it to a bounded drop-oldest
:class:`~desktop_app.audio.handoff.Handoff` (which wakes the loop with ``call_soon_threadsafe``). Everything
else — resampling (soxr), re-blocking to exactly ``block_ms``, echo cancellation, level metering — runs on
the loop thread inside :meth:`MicCapture.blocks`, so a consumer that falls behind loses the *oldest* audio
(counted in ``drops``), never the newest, and the queue never grows past ``queue_ms``.

Failures (the stream's life is :class:`~desktop_app.audio.streams.DeviceStream`'s, shared with the
speaker): a stream that stops on its own (device unplugged, sound server gone) or delivers nothing for
``stall_timeout_s`` publishes one :class:`~desktop_app.core.events.ErrorEvent` (``code="audio_input"``)
through ``on_event``; :meth:`MicCapture.blocks` then simply yields nothing more until :meth:`aclose`, so
the session goes on with text input.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from desktop_app.audio.counters import AudioCounters
from desktop_app.audio.handoff import Handoff
from desktop_app.audio.resample import Rechunker, StreamResampler
from desktop_app.audio.sample_clock import SampleClock
from desktop_app.audio.stream_times import StreamTimeMapper, adc_delay
from desktop_app.audio.streams import UNWIRED, DeviceShell, ShellWiring
from desktop_app.core.audio_format import MIC_FORMAT, to_pcm16_into
from desktop_app.core.errors import ConfigError
from desktop_app.core.events import MicAudio

__all__ = ["CaptureConfig", "MicCapture"]

_FALLBACK_RATES = (48_000, 44_100, 32_000, 16_000)

# (callback monotonic time, PortAudio currentTime, inputBufferAdcTime, frames × channels copy)
_Block = tuple[float, float, float, npt.NDArray[np.float32]]


@dataclass(frozen=True, slots=True)
class CaptureConfig:
    """How to open the microphone.

    ``device`` is a PortAudio index (None: the default input); ``rate`` the capture rate (None: the
    device's default rate, falling back to 48/44.1/32/16 kHz if that will not open). ``block_ms`` is the
    size of each delivered block: 10–100 ms in steps of 10 ms (AEC3 works in 10 ms frames).
    """

    device: int | None = None
    device_name: str = "default"
    rate: int | None = None
    block_ms: int = 20
    queue_ms: int = 500
    stall_timeout_s: float = 3.0
    latency: str | float = "low"

    def __post_init__(self) -> None:
        if not 10 <= self.block_ms <= 100 or self.block_ms % 10:
            raise ConfigError(
                f"The microphone block size must be 10–100 ms in steps of 10 ms, not {self.block_ms}."
            )
        if self.queue_ms < self.block_ms:
            raise ConfigError("The microphone queue must hold at least one block.")


class MicCapture(DeviceShell):
    """The microphone as an :class:`~desktop_app.core.ports.AudioSource`. Loop thread only, except the
    PortAudio callback. Construct, then :meth:`start` (opens the device; raises MediaError), then iterate
    :meth:`blocks` once, then :meth:`aclose`.
    """

    kind = "input"
    unavailable = "Typed messages still work."

    def __init__(
        self,
        config: CaptureConfig,
        loop: asyncio.AbstractEventLoop,
        wiring: ShellWiring = UNWIRED,
        *,
        on_raw_block: Callable[[npt.NDArray[np.int16], float], None] | None = None,
    ) -> None:
        """``on_raw_block(pcm16, adc_time)`` sees each 16 kHz block before echo cancellation (loop thread;
        for echo measurements and self-tests)."""
        super().__init__(loop, config, wiring)
        self.config = config
        self._canceller = wiring.canceller
        self._on_raw_block = on_raw_block
        self._handoff: Handoff[_Block] = Handoff(
            loop, maxlen=config.queue_ms // config.block_ms, on_ready=self._device.notify
        )
        self._last_delay = 1e9  # the newest block's ADC-to-callback delay, seconds
        self._frames = MIC_FORMAT.frames_for_ms(config.block_ms)
        self._resampler: StreamResampler | None = None
        self._rechunker = Rechunker(self._frames)
        self._pcm = np.zeros(self._frames, np.int16)  # each block's PCM16, reused (bytes are taken from it)
        self._in_frames = 0
        self._emitted = 0
        self._adc_clock = SampleClock(MIC_FORMAT.rate)  # dates 16 kHz output samples
        self._times = StreamTimeMapper()
        self._iterating = False
        self._stalled = False
        self.blocks_delivered = 0

    @property
    def overflows(self) -> int:
        return self._device.xruns

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Open and start the input stream. Raises :class:`MediaError` with PortAudio's reason."""
        if self._device.stream is not None:
            return
        self._device.open(self._callback, _FALLBACK_RATES)
        self._resampler = StreamResampler(self.rate, MIC_FORMAT.rate)
        self._device.start()

    def close(self) -> None:
        """Stop the stream and end :meth:`blocks`. Safe to call twice."""
        self._handoff.close()
        self._device.close()

    # --- PortAudio thread ---------------------------------------------------------------------------

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        now = time.monotonic()
        self._last_delay = adc_delay(time_info)
        self._handoff.put((now, time_info.currentTime, time_info.inputBufferAdcTime, indata.copy()))

    # --- loop thread --------------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """Blocks are flowing with less than 150 ms of backlog.

        Some sound servers start a stream with a long stall and then a backlog to catch up: the PulseAudio
        ALSA plugin here delivers nothing for ~2 s, then a 740 ms backlog that drains within ~1 s.
        """
        return self.callbacks >= 3 and self._last_delay <= 0.15

    async def blocks(self) -> AsyncIterator[MicAudio]:
        """Yield 16 kHz mono PCM16 blocks of ``block_ms`` until :meth:`aclose`. Iterate it once."""
        if self._iterating:
            raise RuntimeError("MicCapture.blocks() may be iterated only once")
        self._iterating = True
        while not self._device.closed:
            item = self._handoff.popleft()
            if item is None:
                try:  # a timer per wait, not wait_for's extra task (3.11) for every block
                    async with asyncio.timeout(self.config.stall_timeout_s):
                        await self._handoff.wait()
                except TimeoutError:
                    if self._device.stream is not None and self.error is None and not self._stalled:
                        self._stalled = True
                        self._device.fail(
                            f"The {self._device.what} has delivered no audio for "
                            f"{self.config.stall_timeout_s:g} s. {self._device.unavailable}"
                        )
                continue
            self._stalled = False
            for block in self._process(item):
                yield block

    def _process(self, item: _Block) -> list[MicAudio]:
        cb_time, stream_now, stream_adc, data = item
        self._times.observe(cb_time, stream_now)
        adc_time = self._times.to_monotonic(stream_adc, cb_time, stream_now)
        mono = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1, dtype=np.float32)
        assert self._resampler is not None
        in_index = self._in_frames
        self._in_frames += len(mono)
        out: list[MicAudio] = []
        # Output sample k of the resampler is input time k / 16 kHz (soxr VR is delay-compensated).
        self._adc_clock.observe(in_index * MIC_FORMAT.rate / self.rate, adc_time)
        for block in self._rechunker.push(self._resampler.process(mono)):
            block_adc = self._adc_clock.time_of(self._emitted)
            assert block_adc is not None
            self._emitted += len(block)
            pcm = self._pcm
            to_pcm16_into(
                cast("npt.NDArray[np.float32]", block), pcm
            )  # the block is the rechunker's fresh output: free to clobber
            if self._on_raw_block is not None:
                self._on_raw_block(pcm.copy(), block_adc)
            if self._canceller is not None:
                pcm = self._canceller.process(pcm, block_adc)
            if self._levels is not None:
                self._levels.add_input(pcm)
            self.blocks_delivered += 1
            out.append(MicAudio(pcm.tobytes(), MIC_FORMAT, captured_at=cb_time))
        return out

    def discard_pending(self) -> int:
        """Drop the blocks captured but not yet taken (e.g. while a session was connecting), so the first
        block sent is fresh. Returns how many were dropped (not counted in ``drops``)."""
        return len(self._handoff.pop_all())

    # --- stats ---------------------------------------------------------------------------------------

    @property
    def drops(self) -> int:
        return self._handoff.drops

    def counters(self) -> AudioCounters:
        return AudioCounters(
            blocks_captured=self.callbacks,
            blocks_delivered=self.blocks_delivered,
            drops=self._handoff.drops,
            overflows=self.overflows,
        )
