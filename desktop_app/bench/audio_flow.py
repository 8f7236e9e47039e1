"""Whether the real audio devices a bench opened are running: each handles a block within a deadline."""

from __future__ import annotations

from desktop_app.audio.capture import MicCapture
from desktop_app.audio.factory import AudioIO
from desktop_app.audio.playback import SpeakerPlayback


async def devices_flow(audio: AudioIO | None, *, speaker: bool, microphone: bool, timeout_s: float) -> bool:
    """Wait until the wanted real devices have each handled a block; False if one is a Null device.

    A device that handles no block within ``timeout_s`` raises the wait's ``TimeoutError``."""
    for want, shell in (
        (speaker, getattr(audio, "sink", None)),
        (microphone, getattr(audio, "source", None)),
    ):
        if not want:
            continue
        if not isinstance(shell, SpeakerPlayback | MicCapture):
            return False
        await _next_block(shell, timeout_s)
    return True


async def _next_block(shell: SpeakerPlayback | MicCapture, timeout_s: float) -> None:
    start = shell.callbacks
    await shell.wait_for(lambda: shell.callbacks > start, timeout_s)
