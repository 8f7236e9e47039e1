"""The audio service: the microphone and speaker (opened, reopened, closed) and the microphone gate.

The microphone pump forwards each block while the :class:`~desktop_app.services.mic_gate.MicGate` is
open and drops it otherwise. It runs supervised: a bug in forwarding is reported and the pump restarts on
the same block iterator, so the microphone keeps working.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace

from desktop_app.audio.factory import AudioIO, AudioOptions, NullSink, open_audio
from desktop_app.config import Section, Settings
from desktop_app.core.errors import AppError
from desktop_app.core.events import Event, MicAudio
from desktop_app.core.ports import AudioSink
from desktop_app.runtime.tasks import Policy, Supervised, stop_task
from desktop_app.services.bus import Bus, ServiceBase
from desktop_app.services.mic_gate import GateStep, MicGate

__all__ = ["AudioOpener", "AudioService", "open_real_audio"]

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
    ) -> None:
        super().__init__(settings, bus)
        self._opener = opener
        self._forward = forward
        self._pump: Supervised | None = None
        self.gate = MicGate()
        self.headphones = not settings.echo_cancellation
        self.volume = settings.output_volume
        self.audio: AudioIO | None = None

    @property
    def sink(self) -> AudioSink:
        """The speaker, or a silent sink when none could be opened (the session still runs)."""
        return self.audio.sink if self.audio is not None else NullSink()

    # --- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the devices and start the microphone pump; a failure is a notice (code ``audio``)."""
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
            audio = self._opener(options, asyncio.get_running_loop(), self._bus.publish)
        except AppError as err:  # allow_missing covers devices; this is anything else
            self._bus.notice(str(err), "audio")
            return
        self.audio = audio
        for notice in audio.notices:
            self._bus.notice(notice, "audio_notice")
        blocks = audio.source.blocks()  # iterated once: a restarted pump goes on with the same iterator
        self._pump = self._bus.supervisor.spawn(
            "microphone", lambda: self._pump_microphone(audio, blocks), policy=Policy.RESTART
        )

    async def stop(self) -> None:
        """Close the microphone (ending the pump), then the speaker. Safe to call twice."""
        if self.audio is None:
            return
        audio, self.audio = self.audio, None
        await audio.source.aclose()
        pump, self._pump = self._pump, None
        await stop_task(pump)
        await audio.sink.aclose()

    async def apply_settings(self, settings: Settings) -> None:
        """Reopen the devices as ``settings`` say (the caller hands the new :attr:`sink` to the session)."""
        self._settings = settings
        self.headphones = not settings.echo_cancellation
        await self.stop()
        await self.start()

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
        await self.stop()
        await self.start()

    async def _pump_microphone(self, audio: AudioIO, blocks: AsyncIterator[MicAudio]) -> None:
        """Forward microphone blocks while the gate is open; drop them otherwise."""
        async for block in blocks:
            if self.gate.open:
                await self._forward(block)
        if self.audio is audio:  # the blocks ended without stop(): e.g. the source itself failed
            self._bus.notice("The microphone stopped delivering audio. Typed messages still work.", "audio")
