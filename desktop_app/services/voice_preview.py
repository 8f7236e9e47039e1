"""Hearing a voice before choosing it: one short sentence in that voice, through a one-off session.

:func:`preview_voice` opens a session of its own on the backend (not the conversation's: nothing of the
conversation is sent, and the conversation's session is not touched), asks the model to say
:data:`~desktop_app.live.voices.PREVIEW_SENTENCE`, plays what comes back through ``sink`` until the turn
completes, and closes. A refusal or a dead link raises the classified :class:`LiveError`; a model that does
not finish within ``timeout_s`` raises TimeoutError. The preview costs one short turn on the user's key.
"""

from __future__ import annotations

import asyncio

from desktop_app.core.commands import UserText
from desktop_app.core.errors import LiveError
from desktop_app.core.events import ModelAudio, TurnComplete
from desktop_app.core.ports import AudioSink
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions
from desktop_app.live.voices import PREVIEW_SENTENCE
from desktop_app.services.backend import BackendHandle

__all__ = ["PREVIEW_TIMEOUT_S", "preview_voice", "speak_preview"]

PREVIEW_TIMEOUT_S = 20.0


async def preview_voice(
    backend: Backend, model: str, voice: str, sink: AudioSink, timeout_s: float = PREVIEW_TIMEOUT_S
) -> int:
    """Speak the preview sentence in ``voice`` through ``sink``; returns the bytes of audio played."""
    options = SessionOptions(
        model=model,
        voice=voice,
        system_instruction="You read sentences aloud exactly as given, with nothing added.",
        input_transcription=False,
        output_transcription=False,
        session_resumption=False,
        context_compression=False,
    )
    played = 0
    async with asyncio.timeout(timeout_s), GenaiConnector(backend).connect(options) as session:
        await session.send(UserText(f'Say exactly this: "{PREVIEW_SENTENCE}"'))
        async for event in session.events():
            if isinstance(event, ModelAudio):
                sink.play(event)
                played += len(event.pcm)
            elif isinstance(event, TurnComplete):
                break
    return played


async def speak_preview(handle: BackendHandle | None, sink: AudioSink | None, model: str, voice: str) -> str:
    """:func:`preview_voice` on the open backend ``handle`` through ``sink``, for the controller: "" when it
    played, else a sentence saying why not (no backend, no speaker, a refusal, no answer in time)."""
    if handle is None:
        return "The preview needs a connection: press Retry first."
    if sink is None:
        return "There is no speaker to play the preview on."
    try:
        await preview_voice(handle.backend, model, voice, sink)
    except LiveError as err:
        return f"The preview could not play: {err}"
    except TimeoutError:
        return f"The preview did not finish within {PREVIEW_TIMEOUT_S:g} s."
    return ""
