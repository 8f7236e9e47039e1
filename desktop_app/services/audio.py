"""The audio service: the microphone and speaker (opened, reopened, closed) and the microphone gate.

The microphone pump forwards each block while the :class:`~desktop_app.services.mic_gate.MicGate` is
open and drops it otherwise. It runs supervised: a bug in forwarding is reported and the pump restarts on
the same block iterator, so the microphone keeps working.

Device faults never leave the user in silence. A supervised watcher reopens the devices when

* a device stops working (its stream ended, or the microphone stalled: an ``ErrorEvent`` with code
  ``audio_input``/``audio_output``, which the user sees) — at once, then once a second until both
  sides open again (a sound server that restarts);
* the chosen device is gone (polled once a second, see :func:`~desktop_app.audio.pulse.presence`): the
  reopen falls back to the default device with a notice saying so;
* the chosen device is back while a side runs on the default: the reopen returns to it, with a notice.

Each reopen hands the new speaker to ``on_new_sink``. The same notice is not repeated while the devices
are retried.

Local barge-in (:mod:`desktop_app.audio.barge_in`, the ``local_barge_in`` setting): the pump shows every
echo-cancelled block to :attr:`AudioService.barge_in` before forwarding it, so the model's voice is ducked
as soon as the user talks over it; the composition root passes session events to :meth:`on_session_event`,
where the server's ``interrupted`` confirms the duck.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace

from desktop_app.audio.barge_in import LocalBargeIn
from desktop_app.audio.devices import DeviceKind
from desktop_app.audio.factory import AudioIO, AudioOptions, NullSink, NullSource, open_audio
from desktop_app.audio.pulse import presence
from desktop_app.config import Section, Settings
from desktop_app.core.errors import AppError
from desktop_app.core.events import ErrorEvent, Event, MicAudio
from desktop_app.core.ports import AudioSink
from desktop_app.runtime.tasks import Policy, Supervised, stop_task
from desktop_app.services.bus import Bus, ServiceBase
from desktop_app.services.mic_gate import GateStep, MicGate

__all__ = ["AudioOpener", "AudioService", "Presence", "open_real_audio"]

WATCH_INTERVAL_S = 1.0
"""How often the watcher asks the sound server for its devices and retries failed ones: a returning device
is used again within about a second, for a few milliseconds of ``pactl`` per side."""

Presence = Callable[[DeviceKind, "str | int | None"], "bool | None"]
"""Whether a chosen device is connected (None: cannot tell). Runs in a worker thread."""

_DEVICE_CODES = frozenset({"audio_input", "audio_output"})

AudioOpener = Callable[[AudioOptions, asyncio.AbstractEventLoop, Callable[[Event], None]], AudioIO]
"""Opens the microphone and speaker (tests pass a fake). Must not raise for a missing device."""


def open_real_audio(
    options: AudioOptions, loop: asyncio.AbstractEventLoop, publish: Callable[[Event], None]
) -> AudioIO:
    """The PortAudio devices; a missing one becomes a Null device and a notice."""
    return open_audio(options, loop, on_event=publish, allow_missing=True)


class AudioService(ServiceBase):
    """Owns the devices and the gate. Call on the loop thread.

    Args:
        forward: sends one microphone block on (to the session); called only while the gate is open.
    """

    sections = frozenset({Section.AUDIO})

    def __init__(
        self,
        settings: Settings,
        bus: Bus,
        opener: AudioOpener,
        forward: Callable[[MicAudio], Awaitable[None]],
        *,
        on_new_sink: Callable[[AudioSink], None] | None = None,
        presence: Presence = presence,
        watch_interval_s: float = WATCH_INTERVAL_S,
    ) -> None:
        super().__init__(settings, bus)
        self._opener = opener
        self._forward = forward
        self._on_new_sink = on_new_sink
        self._presence = presence
        self._interval = watch_interval_s
        self._pump: Supervised | None = None
        self._watch: Supervised | None = None
        self._lock = asyncio.Lock()  # one open or close at a time (the watcher reopens on its own)
        self._wake = asyncio.Event()  # a device failed: the watcher reopens now, not at its next poll
        self._device_failed = False
        self._shown: set[str] = set()  # notices shown since the devices last opened cleanly
        self._opened = asyncio.Event()
        self.openings = 0
        """How many times the devices were opened (a test or benchmark waits with :meth:`wait_opened`)."""
        self.gate = MicGate()
        self.headphones = not settings.echo_cancellation
        self.volume = settings.output_volume
        self.audio: AudioIO | None = None
        self.named_on_command_line: dict[str, str] = {}
        """``input_device``/``output_device`` as the command line named them: a notice about such a device
        says it came from the command line, not from the saved settings (set by the CLI after build)."""
        self.barge_in = LocalBargeIn(enabled=settings.local_barge_in)

    @property
    def sink(self) -> AudioSink:
        """The speaker, or a silent sink when none could be opened (the session still runs)."""
        return self.audio.sink if self.audio is not None else NullSink()

    # --- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the devices, start the microphone pump and the device watcher; a failure is a notice."""
        async with self._lock:
            await self._open()
            if self._watch is None:
                self._watch = self._bus.supervisor.spawn(
                    "device-watch", self._watch_devices, policy=Policy.RESTART
                )

    async def stop(self) -> None:
        """Stop the watcher, close the microphone (ending the pump), then the speaker. Safe to call twice."""
        async with self._lock:  # waits for a reopen in progress to finish
            watch, self._watch = self._watch, None
            await stop_task(watch)
            await self._close()

    async def wait_opened(self, count: int, timeout: float) -> AudioIO | None:
        """Wait until the devices have been opened ``count`` times in all (:attr:`openings`); returns
        the devices now open. Raises TimeoutError after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while self.openings < count:
                self._opened.clear()
                await self._opened.wait()
        return self.audio

    async def _open(self) -> None:
        """Open the devices (call with the lock held); a failure is a notice (code ``audio``)."""
        s = self._settings
        options = AudioOptions(
            input_device=s.input_device,
            output_device=s.output_device,
            devices_from_settings=True,
            block_ms=s.block_ms,
            volume=self.volume,
            headphones=self.headphones,
            noise_suppression=s.noise_suppression,
        )
        try:
            audio = self._opener(options, asyncio.get_running_loop(), self._device_event)
        except AppError as err:  # allow_missing covers devices; this is anything else
            self._notice(str(err), "audio")
            return
        self.audio = audio
        self.openings += 1
        self._opened.set()
        for notice in audio.notices:
            self._notice(notice, "audio_notice")
        if not audio.notices:
            self._shown.clear()
        self.barge_in.attach(audio.sink, getattr(audio, "canceller", None))
        blocks = audio.source.blocks()  # iterated once: a restarted pump goes on with the same iterator
        self._pump = self._bus.supervisor.spawn(
            "microphone", lambda: self._pump_microphone(audio, blocks), policy=Policy.RESTART
        )
        if self._on_new_sink is not None:
            self._on_new_sink(audio.sink)

    async def _close(self) -> None:
        """Close the microphone (ending the pump), then the speaker (call with the lock held)."""
        if self.audio is None:
            return
        audio, self.audio = self.audio, None
        await audio.source.aclose()
        pump, self._pump = self._pump, None
        await stop_task(pump)
        self.barge_in.detach()
        await audio.sink.aclose()

    async def apply_settings(self, settings: Settings) -> None:
        """Reopen the devices as ``settings`` say (the new :attr:`sink` also goes to ``on_new_sink``)."""
        self._settings = settings
        self.headphones = not settings.echo_cancellation
        self.barge_in.enabled = settings.local_barge_in
        self._shown.clear()
        await self._reopen()

    # --- commands -----------------------------------------------------------------------------------

    def set_gate(self, step: GateStep) -> GateStep:
        """Adopt ``step.gate``; returns ``step`` so the caller can act on ``step.paused``."""
        self.gate = step.gate
        return step

    def set_volume(self, volume: float) -> float:
        """Clamp to 0–2 and apply to the speaker at once; returns the volume applied."""
        self.volume = min(2.0, max(0.0, volume))
        sink = self.audio.sink if self.audio is not None else None
        if sink is not None and hasattr(sink, "volume"):
            sink.volume = self.volume
        return self.volume

    async def set_headphones(self, on: bool) -> None:
        """Headphones on = echo cancellation off; reopens the devices."""
        self._settings = replace(self._settings, echo_cancellation=not on)
        self.headphones = on
        await self._reopen()

    def on_session_event(self, event: Event) -> None:
        """A session event (the conversation's tap): ``Interrupted`` confirms a local duck."""
        self.barge_in.on_session_event(event)

    # --- device faults ------------------------------------------------------------------------------

    def _device_event(self, event: Event) -> None:
        """Every device event goes on to the bus; a device that stopped working wakes the watcher."""
        self._bus.publish(event)
        if isinstance(event, ErrorEvent) and event.code in _DEVICE_CODES:
            self._device_failed = True
            self._wake.set()

    def _notice(self, message: str, code: str) -> None:
        message = self._said_where_from(message)
        if message not in self._shown:
            self._shown.add(message)
            self._bus.notice(message, code)

    def _said_where_from(self, message: str) -> str:
        """A device the command line named is "the microphone named on the command line (--input-device)",
        not "the saved microphone" (resolve_device words every fallback as a saved choice)."""
        for field, kind in (("input_device", DeviceKind.INPUT), ("output_device", DeviceKind.OUTPUT)):
            named = self.named_on_command_line.get(field)
            if named is not None and getattr(self._settings, field) == named:
                flag = "--" + field.replace("_", "-")
                message = message.replace(
                    f"The saved {kind.noun} ", f"The {kind.noun} named on the command line ({flag}) ", 1
                )
        return message

    async def _reopen(self) -> None:
        async with self._lock:
            await self._close()
            await self._open()

    async def _watch_devices(self) -> None:
        """Reopen the devices when one failed, the chosen one went, or it came back (module docstring)."""
        while True:
            with contextlib.suppress(TimeoutError):  # a poll of the server's list; a failure wakes it
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()
            before = self.audio
            if await self._should_reopen(before):
                await self._reopen()
                after = self.audio
                if self._device_failed:  # retried at each poll until both sides open again
                    self._device_failed = after is None or self._has_null(after)
                self._say_returned(before, after)

    async def _should_reopen(self, audio: AudioIO | None) -> bool:
        if self._device_failed:
            return True
        if audio is None:
            return False
        for kind, spec in self._chosen():
            here = await asyncio.to_thread(self._presence, kind, spec)
            if here is True and kind in audio.fallbacks:
                return True  # the chosen device is back
            if here is False and kind not in audio.fallbacks:
                return True  # the chosen device went: fall back to the default, with a notice
        return False

    def _chosen(self) -> list[tuple[DeviceKind, str | int | None]]:
        s = self._settings
        return [(DeviceKind.INPUT, s.input_device), (DeviceKind.OUTPUT, s.output_device)]

    @staticmethod
    def _has_null(audio: AudioIO) -> bool:
        return isinstance(audio.source, NullSource) or isinstance(audio.sink, NullSink)

    def _say_returned(self, before: AudioIO | None, after: AudioIO | None) -> None:
        if before is None or after is None:
            return
        for kind, spec in self._chosen():
            if kind in before.fallbacks and kind not in after.fallbacks:
                self._shown.discard(f"The {kind.noun} {spec!r} is connected again; using it.")
                self._notice(f"The {kind.noun} {spec!r} is connected again; using it.", "audio_notice")

    async def _pump_microphone(self, audio: AudioIO, blocks: AsyncIterator[MicAudio]) -> None:
        """Show every block to local barge-in; forward it while the gate is open, drop it otherwise."""
        async for block in blocks:
            self.barge_in.feed(block.pcm, listening=self.gate.open)
            if self.gate.open:
                await self._forward(block)
        if self.audio is audio:  # the blocks ended without stop(): e.g. the source itself failed
            self._bus.notice("The microphone stopped delivering audio. Typed messages still work.", "audio")
