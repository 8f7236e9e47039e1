"""Opening one PortAudio stream: what a shell's config must say (:class:`StreamConfig`), the rates and
channel counts to try, the device's own default rate, and what to do at exit about a stream left hanging."""

from __future__ import annotations

import atexit
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from desktop_app.core.errors import MediaError

__all__ = ["StreamCallback", "StreamConfig", "default_rate", "open_stream", "skip_portaudio_exit"]

StreamCallback = Callable[[Any, int, Any, Any], None]


class StreamConfig(Protocol):
    """What :class:`~desktop_app.audio.streams.DeviceStream` reads from a shell's config
    (``CaptureConfig``, ``PlaybackConfig``)."""

    @property
    def device(self) -> int | None: ...

    @property
    def device_name(self) -> str: ...

    @property
    def rate(self) -> int | None: ...

    @property
    def block_ms(self) -> float: ...

    @property
    def latency(self) -> str | float | None: ...


def open_stream(
    factory: Callable[..., Any],
    *,
    what: str,
    device: int | None,
    rates: Sequence[int],
    channel_options: Sequence[int],
    block_ms: float,
    **kwargs: Any,
) -> tuple[Any, int, int]:
    """Open (not start) a stream, trying each rate and channel count in order.

    Returns ``(stream, rate, channels)``. Raises :class:`MediaError` naming the device and PortAudio's
    reason when nothing opens (e.g. -9997 "Invalid sample rate", -9996 "Invalid device").
    """
    errors: list[str] = []
    for rate in dict.fromkeys(rates):
        for channels in dict.fromkeys(channel_options):
            try:
                stream = factory(
                    device=device,
                    samplerate=rate,
                    channels=channels,
                    dtype="float32",
                    blocksize=max(1, round(rate * block_ms / 1000)),
                    **kwargs,
                )
            except Exception as err:  # sounddevice.PortAudioError, ValueError for bad devices
                errors.append(f"{rate} Hz/{channels} ch: {err}")
                continue
            return stream, rate, channels
    detail = "; ".join(errors[-3:])
    raise MediaError(f"The {what} could not be opened ({detail}).")


def default_rate(device: int | None, kind: str) -> int | None:
    """The default sample rate of ``device`` ("input" or "output" ``kind``); None when PortAudio can't say."""
    try:
        import sounddevice

        return int(sounddevice.query_devices(device, kind)["default_samplerate"])
    except Exception:
        return None


def skip_portaudio_exit() -> None:
    """An abandoned stream would hang PortAudio's terminate at interpreter exit (it closes every stream):
    drop sounddevice's exit handler; the process's end releases the device anyway."""
    import sounddevice

    atexit.unregister(sounddevice._exit_handler)
