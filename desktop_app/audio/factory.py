"""Opening the real microphone and speaker, wired to one echo canceller and one level publisher.

How the composition root wires it (on the loop thread)::

    io = open_audio(AudioOptions(input_device=flags.input_device, ...), loop, on_event=publish)
    for notice in io.notices:            # e.g. a saved device that vanished: show it to the user
        publish(ErrorEvent(notice, code="audio_notice"))   # or a log line / status-bar text
    async with Conversation(connector, options, sink=io.sink, on_event=publish) as conv:
        await conv.stream_audio(io.source)               # until Ctrl-C / --duration
    print(io.counters().line())
    await io.aclose()

``io.source`` is an :class:`~desktop_app.core.ports.AudioSource` (16 kHz blocks, echo-cancelled unless
``headphones``), ``io.sink`` an :class:`~desktop_app.core.ports.AudioSink`; the engine calls
``sink.interrupt()`` on ``Interrupted`` and ``sink.play()`` on ``ModelAudio`` as usual. The canceller
needs no calls of its own: the speaker's callback hands it what it wrote, the microphone runs its blocks
through it. ``on_event`` receives :class:`~desktop_app.core.media_events.AudioLevels` (~20/s) and
:class:`~desktop_app.core.events.ErrorEvent` (a device that fails mid-session), on the loop thread.

With ``allow_missing=True`` a side that cannot be opened becomes a Null device (a source that never yields,
a sink that discards) and its MediaError text goes into ``notices``, so a conversation can still be typed.

A device choice is a PortAudio device (name substring or index) or, failing that, the name of a sound
server's sink (speaker) or source (microphone), opened through PortAudio's ``pulse`` device routed to it
(:func:`desktop_app.audio.pulse.resolve_choice`). :attr:`AudioIO.fallbacks` names the sides that were
opened on the default device because the chosen one was missing, for a watcher to switch back when it
returns.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from desktop_app.audio.capture import CaptureConfig, MicCapture
from desktop_app.audio.counters import AudioCounters
from desktop_app.audio.devices import DeviceKind, ResolvedDevice
from desktop_app.audio.echo import EchoCanceller, EchoSettings
from desktop_app.audio.levels import LevelPublisher
from desktop_app.audio.playback import PlaybackConfig, SpeakerPlayback
from desktop_app.audio.pulse import resolve_choice, routed_to
from desktop_app.audio.streams import UNWIRED, ShellWiring
from desktop_app.core.errors import MediaError
from desktop_app.core.events import Event, MicAudio, ModelAudio

__all__ = [
    "AudioIO",
    "AudioOptions",
    "NullSink",
    "NullSource",
    "Wiring",
    "open_audio",
    "open_microphone",
    "open_speaker",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AudioOptions:
    """Everything the user may choose about audio (settings and flags).

    ``input_device``/``output_device``: name substring, index, or None for the default.
    ``devices_from_settings``: True when the devices come from saved settings, so a vanished one falls
    back to the default with a notice; False for explicit flags (a miss is a MediaError).
    ``headphones`` turns echo cancellation off; ``noise_suppression`` is independent of it.
    Rates, the speaker's block size, queue and prefill are not user choices: :class:`CaptureConfig` and
    :class:`PlaybackConfig` hold their defaults.
    """

    input_device: str | int | None = None
    output_device: str | int | None = None
    devices_from_settings: bool = False
    block_ms: int = 20
    volume: float = 1.0
    headphones: bool = False
    noise_suppression: bool = False
    ns_level: int = 1

    @property
    def echo(self) -> EchoSettings:
        return EchoSettings(
            headphones=self.headphones,
            noise_suppression=self.noise_suppression,
            ns_level=self.ns_level,
        )


class NullSource:
    """An :class:`~desktop_app.core.ports.AudioSource` with no microphone: yields nothing until closed."""

    def __init__(self) -> None:
        self._closed = asyncio.Event()

    async def blocks(self) -> AsyncIterator[MicAudio]:
        await self._closed.wait()
        return
        yield  # pragma: no cover - makes this an async generator

    async def aclose(self) -> None:
        self._closed.set()

    def counters(self) -> AudioCounters:
        return AudioCounters()


class NullSink:
    """An :class:`~desktop_app.core.ports.AudioSink` with no speaker: discards audio."""

    def play(self, chunk: ModelAudio) -> None:
        pass

    def interrupt(self) -> None:
        pass

    async def drain(self) -> None:
        pass

    async def aclose(self) -> None:
        pass

    def counters(self) -> AudioCounters:
        return AudioCounters()


@dataclass(slots=True)
class AudioIO:
    """The opened pair. ``source``/``sink`` are real devices or Null ones (see ``notices``)."""

    source: MicCapture | NullSource
    sink: SpeakerPlayback | NullSink
    canceller: EchoCanceller
    levels: LevelPublisher | None
    notices: list[str] = field(default_factory=list)
    fallbacks: frozenset[DeviceKind] = frozenset()
    """The sides opened on the default device because the chosen (saved) one was not connected."""

    def counters(self) -> AudioCounters:
        return self.source.counters() + self.sink.counters()

    async def wait_ready(self, timeout: float = 10.0) -> bool:
        """Wait until both real devices run at their steady rate (some sound servers stall ~2 s at start).

        Optional: audio works before, only later. Returns False on timeout; Null devices count as ready.
        """
        ok = True
        if isinstance(self.sink, SpeakerPlayback):
            ok = await self.sink.wait_ready(timeout) and ok
        if isinstance(self.source, MicCapture):
            ok = await self.source.wait_ready(timeout) and ok
        return ok

    async def aclose(self) -> None:
        """Close the microphone, then the speaker. Safe to call twice."""
        await self.source.aclose()
        await self.sink.aclose()


def _resolve(
    spec: str | int | None, kind: DeviceKind, options: AudioOptions, wiring: Wiring
) -> tuple[ResolvedDevice, str | None]:
    """The device ``spec`` names and the PulseAudio sink/source to route it to (None: no routing), noting
    in ``wiring.notices`` and ``wiring.fallbacks`` when a remembered one was missing."""
    resolved, route = resolve_choice(spec, kind, fallback=options.devices_from_settings)
    if resolved.notice:
        if wiring.notices is not None:
            wiring.notices.append(resolved.notice)
        if wiring.fallbacks is not None:
            wiring.fallbacks.add(kind)
    return resolved, route


@dataclass(frozen=True, slots=True)
class Wiring:
    """What an opened device is connected to (``shell``: the echo canceller, the level publisher, the
    event callback), and a list that collects notices (a remembered device that fell back to the
    default). Every part is optional."""

    shell: ShellWiring = UNWIRED
    notices: list[str] | None = None
    fallbacks: set[DeviceKind] | None = None


_Stream = TypeVar("_Stream", MicCapture, SpeakerPlayback)


def _open_device(
    stream_type: type[_Stream],
    config: CaptureConfig | PlaybackConfig,
    spec: str | int | None,
    options: AudioOptions,
    loop: asyncio.AbstractEventLoop,
    wiring: Wiring,
) -> _Stream:
    """Resolve ``spec``, open ``stream_type`` on it with ``config`` and the wiring, and start it routed to
    its PulseAudio device."""
    kind = DeviceKind.INPUT if stream_type is MicCapture else DeviceKind.OUTPUT
    resolved, route = _resolve(spec, kind, options, wiring)
    config = replace(config, device=resolved.index, device_name=route or resolved.device.name)
    stream = stream_type(
        config,  # type: ignore[arg-type]  # the TypeVar pairs each stream with its own config
        loop,
        wiring.shell,
    )
    with routed_to(kind, route):
        stream.start()
    return stream


def open_microphone(
    options: AudioOptions, loop: asyncio.AbstractEventLoop, wiring: Wiring = Wiring()
) -> MicCapture:
    """Resolve and open the microphone. Raises MediaError; appends a fallback notice to ``wiring.notices``."""
    config = CaptureConfig(block_ms=options.block_ms)
    return _open_device(MicCapture, config, options.input_device, options, loop, wiring)


def open_speaker(
    options: AudioOptions, loop: asyncio.AbstractEventLoop, wiring: Wiring = Wiring()
) -> SpeakerPlayback:
    """Resolve and open the speaker. Raises MediaError; appends a fallback notice to ``wiring.notices``."""
    return _open_device(
        SpeakerPlayback, PlaybackConfig(volume=options.volume), options.output_device, options, loop, wiring
    )


def open_audio(
    options: AudioOptions,
    loop: asyncio.AbstractEventLoop,
    *,
    on_event: Callable[[Event], None] | None = None,
    allow_missing: bool = False,
) -> AudioIO:
    """Open speaker and microphone around one echo canceller (see the module docstring for wiring)."""
    notices: list[str] = []
    fallbacks: set[DeviceKind] = set()
    levels = LevelPublisher(on_event) if on_event is not None else None
    canceller = EchoCanceller(options.echo)
    wiring = Wiring(ShellWiring(canceller, levels, on_event), notices, fallbacks)
    sink: SpeakerPlayback | NullSink
    source: MicCapture | NullSource
    try:
        sink = open_speaker(options, loop, wiring)
    except MediaError as err:
        if not allow_missing:
            raise
        notices.append(str(err))
        sink = NullSink()
    try:
        source = open_microphone(options, loop, wiring)
    except MediaError as err:
        if not allow_missing:
            if isinstance(sink, SpeakerPlayback):
                sink.close()
            raise
        notices.append(str(err))
        source = NullSource()
    return AudioIO(source, sink, canceller, levels, notices, frozenset(fallbacks))
