"""One PortAudio stream's lifecycle, shared by the capture and playback shells: :class:`DeviceStream` opens
with rate and channel fallbacks, starts, counts callbacks, notices a device lost, aborts and closes;
:class:`DeviceShell` is what both shells report from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from desktop_app.audio.echo import EchoCanceller
from desktop_app.audio.levels import LevelPublisher
from desktop_app.audio.stream_open import (
    StreamCallback,
    StreamConfig,
    default_rate,
    open_stream,
    skip_portaudio_exit,
)
from desktop_app.core.errors import MediaError
from desktop_app.core.events import ErrorEvent, Event
from desktop_app.runtime.thread_names import name_os_thread

__all__ = ["DeviceShell", "DeviceStream", "StreamConfig"]

log = logging.getLogger(__name__)

ABORT_TIMEOUT_S = 2.0
"""How long :meth:`DeviceStream.aclose` waits for PortAudio to abort a stream. Aborting a stream whose
sound server died can block for good (seen with the ALSA pulse plugin's capture); it is then abandoned on
its thread, so the loop, and the reopen that follows, go on."""


class DeviceStream:
    """One PortAudio stream's life, the same for the microphone and the speaker. Loop thread, except the
    PortAudio callbacks it wraps.

    The shell constructs it, calls :meth:`open` (picks a rate and channel count), sets up what its callback
    needs from :attr:`rate`, calls :meth:`start`, and at the end :meth:`close`. Every callback is counted
    (:attr:`callbacks`, and :attr:`xruns`: input overflows or output underflows) before the shell's own runs.
    A stream that ends without :meth:`close` (device unplugged, sound server gone) becomes one
    :class:`~desktop_app.core.events.ErrorEvent` (``code`` ``audio_input`` or ``audio_output``), published
    through ``on_event`` on the loop thread; :meth:`fail` publishes one for any other reason (a stall).
    The shell calls :meth:`notify` whenever something it waits for may have changed; :meth:`wait_for` and
    :meth:`wait_ready` re-check then.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        kind: Literal["input", "output"],
        config: StreamConfig,
        unavailable: str,
        on_event: Callable[[Event], None] | None = None,
        factory: Callable[..., Any] | None = None,
    ) -> None:
        """``unavailable`` ends the error message: what still works without the device.
        ``factory`` replaces ``sounddevice.InputStream``/``OutputStream`` (tests)."""
        self._loop = loop
        self.kind = kind
        self.noun = "microphone" if kind == "input" else "speaker"
        self.what = f"{self.noun} {config.device_name!r}"
        self.config = config
        self.unavailable = unavailable
        self._on_event = on_event
        self._factory = factory
        self._stream: Any = None
        self._changed = asyncio.Event()
        self._xrun_flag = "input_overflow" if kind == "input" else "output_underflow"
        self.rate = 0
        self.channels = 0
        self.closed = False
        self.error: ErrorEvent | None = None
        self.callbacks = 0  # written on the PortAudio thread
        self.xruns = 0
        self.latency: str | float | None = config.latency  # what the open stream was asked for
        self._generation = 0  # which stream's finished callback is still worth hearing

    @property
    def stream(self) -> Any:
        """The open stream, or None before :meth:`open`, after :meth:`close` or a failed start."""
        return self._stream

    def open(
        self,
        callback: StreamCallback,
        fallback_rates: Sequence[int],
        preferred_rate: int | None = None,
        latency: str | float | None = None,
    ) -> None:
        """Open (not start) the stream with 1 or 2 channels, at the config's rate if it names one, else
        at the first that the device takes of ``preferred_rate``, the device's default rate, then
        ``fallback_rates``; with ``latency`` (seconds or "low"/"high"; None: the config's).
        Raises :class:`MediaError` with PortAudio's reason."""
        config = self.config
        if config.rate:
            rates = [config.rate]
        else:
            device_rate = default_rate(config.device, self.kind)
            rates = [r for r in (preferred_rate, device_rate) if r] + list(fallback_rates)
        self._open(callback, rates, (1, 2), config.latency if latency is None else latency)

    def _open(
        self,
        callback: StreamCallback,
        rates: Sequence[int],
        channels: Sequence[int],
        latency: str | float | None,
    ) -> None:
        factory = self._factory
        if factory is None:
            import sounddevice

            factory = sounddevice.InputStream if self.kind == "input" else sounddevice.OutputStream
        self._generation += 1
        generation = self._generation
        self._stream, self.rate, self.channels = open_stream(
            factory,
            what=self.what,
            device=self.config.device,
            rates=rates,
            channel_options=channels,
            block_ms=self.config.block_ms,
            latency=latency,
            callback=self._counting(callback),
            finished_callback=lambda: self._finished_from_thread(generation),
        )
        self.latency = latency

    def reopen(self, callback: StreamCallback, latency: str | float) -> None:
        """Replace the running stream by one at ``latency``, same device, rate and channels (loop thread).

        What the old stream still held for the device is dropped, and its end is not an error. Raises
        :class:`MediaError` when the new one will not open or start; the caller then has no stream and
        should :meth:`fail` (or try again). A closed or never-opened stream is left alone. It blocks the
        loop while PortAudio closes and opens (3–4 ms on PulseAudio here).
        """
        old = self._stream
        if old is None or self.closed:
            return
        self._stream = None
        self._generation += 1  # the old stream's finished callback is ours, not a lost device
        try:
            old.abort()
        finally:
            old.close()
        self._open(callback, [self.rate], [self.channels], latency)
        self.start()

    def start(self) -> None:
        """Start the opened stream. Raises :class:`MediaError` (and closes and forgets the stream) if it
        won't."""
        stream = self._stream
        try:
            stream.start()
        except Exception as err:
            self._stream = None
            stream.close()
            raise MediaError(f"The {self.what} could not be started ({err}).") from err
        log.info(
            "%s open at %d Hz, %d ch, %g ms blocks", self.what, self.rate, self.channels, self.config.block_ms
        )

    def close(self) -> None:
        """Abort and close the stream (queued device audio is dropped); no error follows. Safe twice."""
        if self.closed:
            return
        self.closed = True
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
            finally:
                stream.close()
        self.notify()

    async def aclose(self, timeout: float = ABORT_TIMEOUT_S) -> None:
        """Like :meth:`close`, but PortAudio's abort and close run on a daemon thread, awaited at most
        ``timeout`` seconds (see :data:`ABORT_TIMEOUT_S`). Safe twice."""
        if self.closed:
            return
        self.closed = True
        stream, self._stream = self._stream, None
        self.notify()
        if stream is None:
            return
        loop = asyncio.get_running_loop()
        done = loop.create_future()

        def finish() -> None:
            if not done.done():
                done.set_result(None)

        def abort_and_close() -> None:
            try:
                stream.abort()
                stream.close()
            except Exception as err:  # a stream of a dead server may refuse; it is gone either way
                log.info("%s: closing the stream failed (%s)", self.what, err)
            with contextlib.suppress(RuntimeError):  # the loop may have closed meanwhile
                loop.call_soon_threadsafe(finish)

        threading.Thread(target=abort_and_close, name=f"{self.noun}-close", daemon=True).start()
        try:
            await asyncio.wait_for(asyncio.shield(done), timeout)
        except TimeoutError:
            log.info("%s: PortAudio did not abort the stream within %g s; abandoned", self.what, timeout)
            skip_portaudio_exit()

    def fail(self, message: str) -> None:
        """Publish ``message`` as this device's one error (later failures are not repeated)."""
        if self.error is not None:
            return
        self.error = ErrorEvent(message, code=f"audio_{self.kind}", retryable=False)
        log.info("%s failure: %s", self.noun, message)
        self.notify()
        if self._on_event is not None:
            self._on_event(self.error)

    # --- waiting (loop thread) ----------------------------------------------------------------------

    def notify(self) -> None:
        """Wake :meth:`wait_for` to re-check its predicate."""
        self._changed.set()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None) -> None:
        """Wait until ``predicate()`` is true, re-checking at each :meth:`notify`. Raises
        :class:`TimeoutError` after ``timeout`` seconds (None: no limit)."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

    async def wait_ready(self, ready: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``ready()``; False after ``timeout`` s or once the device failed or was closed."""
        try:
            await self.wait_for(lambda: ready() or self.error is not None or self.closed, timeout)
        except TimeoutError:
            return False
        return ready()

    # --- PortAudio thread ---------------------------------------------------------------------------

    def _counting(self, callback: StreamCallback) -> StreamCallback:
        flag = self._xrun_flag
        named = [0]  # the native id of the PortAudio thread given our name (/proc/…/comm)

        def counted(data: Any, frames: int, time_info: Any, status: Any) -> None:
            if named[0] != threading.get_native_id():
                named[0] = threading.get_native_id()
                name_os_thread(f"pa-{self.noun}")
            self.callbacks += 1
            if getattr(status, flag):
                self.xruns += 1
            callback(data, frames, time_info, status)

        return counted

    def _finished_from_thread(self, generation: int) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is already closed at shutdown
            self._loop.call_soon_threadsafe(self._on_finished, generation)

    def _on_finished(self, generation: int) -> None:
        if not self.closed and generation == self._generation:
            self.fail(
                f"The {self.what} stopped working (it was disconnected or the sound system failed). "
                f"{self.unavailable}"
            )


@dataclass(frozen=True, slots=True)
class ShellWiring:
    """What a device shell is connected to, each part optional: the one echo canceller the microphone and
    the speaker share, the level publisher, the event callback (loop thread), and ``stream_factory`` in
    place of ``sounddevice.InputStream``/``OutputStream`` (tests)."""

    canceller: EchoCanceller | None = None
    levels: LevelPublisher | None = None
    on_event: Callable[[Event], None] | None = None
    stream_factory: Callable[..., Any] | None = None


UNWIRED = ShellWiring()
"""A shell connected to nothing: no echo canceller, no meter, no events, the real sounddevice streams."""


class DeviceShell:
    """What the capture and playback shells share: their :class:`DeviceStream` (``self._device``), the level
    publisher (``self._levels``) and what they report from the stream. A subclass sets :attr:`kind` and
    :attr:`unavailable`, calls ``super().__init__`` first, and defines :attr:`ready` and :meth:`close`."""

    kind: Literal["input", "output"]
    unavailable: str
    """The end of the device's error message: what still works without it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, config: StreamConfig, wiring: ShellWiring) -> None:
        self._levels = wiring.levels
        self._device = DeviceStream(
            loop,
            kind=self.kind,
            config=config,
            unavailable=self.unavailable,
            on_event=wiring.on_event,
            factory=wiring.stream_factory,
        )

    @property
    def rate(self) -> int:
        """The device rate the stream was opened at (0 before it was opened)."""
        return self._device.rate

    @property
    def channels(self) -> int:
        return self._device.channels

    @property
    def error(self) -> ErrorEvent | None:
        """The device's one failure (lost, or for the microphone stalled), once it happened."""
        return self._device.error

    @property
    def callbacks(self) -> int:
        """PortAudio callbacks so far."""
        return self._device.callbacks

    @property
    def ready(self) -> bool:
        raise NotImplementedError

    async def wait_ready(self, timeout: float = 10.0) -> bool:
        """Wait until :attr:`ready`; False after ``timeout`` s or if the device failed meanwhile."""
        return await self._device.wait_ready(lambda: self.ready, timeout)

    def close(self) -> None:
        raise NotImplementedError

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:
        """Wait (on the loop) until ``predicate()`` is true, re-checking after every block the device
        handled. Raises :class:`TimeoutError` after ``timeout`` seconds; for tests, benchmarks and self-tests.
        """
        await self._device.wait_for(predicate, timeout)

    async def aclose(self) -> None:
        """:meth:`close` for the AudioSource/AudioSink shape, with the stream's abort off the loop and
        bounded in time (:meth:`DeviceStream.aclose`): a dead sound server cannot hang the caller."""
        await self._device.aclose()
        self.close()  # the stream is closed already: this ends the shell's queues
