"""What the window may ask of the running application: the command side of the Qt bridge.

The window never touches sessions or devices. It calls these coroutines on the loop thread (through
``LoopThread.submit``) and learns what happened only from events. Every command returns quickly; device and
network work happens on the loop or in worker threads, never on the caller's thread.

Events the controller publishes (all frozen dataclasses; subscribe once, filter by type):

- ``desktop_app.core.events``: ``SessionState`` (connecting/live/reconnecting/closed), ``BackendInfo``
  (offline banner text), ``RelayStatus``, ``InputState`` (after every toggle), ``Transcript`` (streaming
  pieces, ``final``), ``Interrupted``, ``TurnComplete``, ``TurnLatency``, ``UsageUpdate``, ``GoAway``
  (countdown), ``VoiceActivity``, ``ErrorEvent`` (readable; the session goes on unless it is closed),
  ``ModelAudio`` (ignore in the UI), ``ModelThought`` (show collapsed), ``InteractionUpdate`` (extended
  thinking: "working in the background" from IN_PROGRESS until IDLE); ``ErrorEvent(code="model_setup")`` is
  a saved option the model does not take, left out of the session.
- The model catalog, for the settings dialog: ``offered_models()`` and ``options_for(model)`` (the settings
  this model takes beyond the common ones: show only those), ``OPTION_LABELS`` (their names in sentences).
- Usage: fold each ``UsageUpdate`` into a ``SessionUsage`` with ``add_usage(so_far, update,
  cumulative=model_spec(m).cumulative_usage)``; show ``context_gauge(...)`` and
  ``estimate_cost(usage, prices_with(model_spec(m).prices, ...))`` with its ``label`` (an estimate).
- ``desktop_app.core.media_events``: ``AudioLevels`` (~20/s, input and output dBFS), ``PreviewFrame``
  (full-rate BGR numpy frame), ``FrameSent`` (the exact JPEG sent, its size and the running count:
  "what Gemini sees"), ``VideoStatus``.
"""

from __future__ import annotations

from typing import Protocol

from desktop_app.config import Settings
from desktop_app.live.models import (  # the Qt-free model catalog and usage arithmetic, for the window
    OPTION_LABELS,
    ModelSpec,
    model_spec,
    offered_models,
    options_for,
)
from desktop_app.live.usage import SessionUsage, add_usage, context_gauge, estimate_cost, prices_with

__all__ = [
    "OPTION_LABELS",
    "Controller",
    "ModelSpec",
    "SessionUsage",
    "add_usage",
    "context_gauge",
    "estimate_cost",
    "model_spec",
    "offered_models",
    "options_for",
    "prices_with",
]


class Controller(Protocol):
    async def start(self) -> None:
        """Open the backend, the relay, the audio devices and the session. Failures become events."""
        ...

    async def stop(self) -> None:
        """Shut down in order: session, capture, playback, relay. Safe to call twice."""
        ...

    async def set_mic_muted(self, muted: bool) -> None: ...

    async def set_push_to_talk(self, enabled: bool) -> None:
        """With push-to-talk on, the microphone is sent only while :meth:`talk` is held."""
        ...

    async def talk(self, pressed: bool) -> None: ...

    async def set_camera(self, spec: str | None) -> None:
        """Camera index, file or URL; None turns vision off. Replaces screen sharing."""
        ...

    async def set_screen(self, monitor: str | None) -> None:
        """``"1"``, ``"2"``… or ``"L,T,WxH"``; None stops sharing. Replaces the camera."""
        ...

    async def set_vision_paused(self, paused: bool) -> None: ...

    async def retry_camera(self) -> None: ...

    async def send_text(self, text: str) -> None: ...

    async def set_volume(self, volume: float) -> None:
        """0.0–2.0, applied at once."""
        ...

    async def set_headphones(self, on: bool) -> None:
        """Headphones on = echo cancellation off."""
        ...

    async def apply_settings(self, settings: Settings) -> bool:
        """Save and apply; returns True when the change needed (and got) a new session."""
        ...
