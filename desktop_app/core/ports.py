"""The media seams the conversation engine is wired with.

A source of microphone blocks and a sink for the model's audio. The headless slice plugs in a WAV reader and a
WAV writer; the live app plugs in PortAudio capture and playback (``desktop_app.audio``); tests plug in fakes.
Implementations live outside ``core``; only the shapes live here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from desktop_app.core.events import MicAudio, ModelAudio

__all__ = ["AudioSink", "AudioSource"]


class AudioSource(Protocol):
    """Produces microphone blocks (16 kHz mono PCM16, ~20 ms each) on the loop thread."""

    def blocks(self) -> AsyncIterator[MicAudio]:
        """Yield blocks until the source ends (end of file) or is closed. Iterate it once."""
        ...

    async def aclose(self) -> None:
        """Stop producing and release the device or file. Safe to call twice."""
        ...


class AudioSink(Protocol):
    """Consumes the model's audio. All methods are called on the loop thread and must not block."""

    def play(self, chunk: ModelAudio) -> None:
        """Queue a chunk for output (resampling to the device's rate is the sink's job)."""
        ...

    def interrupt(self) -> None:
        """The user barged in: go silent now (a short fade is fine) and drop everything queued."""
        ...

    async def drain(self) -> None:
        """Wait until everything queued has been played (or written)."""
        ...

    async def aclose(self) -> None:
        """Stop and release the device or file. Safe to call twice."""
        ...
