"""Which services a mode runs, in which order they start and stop, and what runs now.

:func:`desktop_app.app.build_app` fills a :class:`Services`; :class:`AppController` starts and stops them in
the orders given here and reports :class:`Running`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop_app.audio.factory import AudioIO
from desktop_app.engine import Conversation
from desktop_app.relay.server import RelayServer
from desktop_app.services.audio import AudioService
from desktop_app.services.backend import BackendService
from desktop_app.services.bus import Service
from desktop_app.services.conversation import ConversationService
from desktop_app.services.history import HistoryService
from desktop_app.services.relay import RelayService
from desktop_app.services.tools import ToolService
from desktop_app.services.vision import VisionService

__all__ = ["Running", "Services"]


@dataclass(slots=True)
class Services:
    """The services one mode runs; None for a part the mode leaves out."""

    backend: BackendService
    conversation: ConversationService | None = None
    audio: AudioService | None = None
    vision: VisionService | None = None
    relay: RelayService | None = None
    history: HistoryService | None = None
    tools: ToolService | None = None

    def in_start_order(self) -> list[Service]:
        """Backend, history, relay, audio, tools, session, vision: each after what it needs."""
        parts = (
            self.backend, self.history, self.relay, self.audio, self.tools, self.conversation, self.vision
        )  # fmt: skip
        return [p for p in parts if p is not None]

    def in_stop_order(self) -> list[Service]:
        """Session, tools, capture (vision, microphone), playback, relay, backend, and history last."""
        parts = (
            self.conversation, self.tools, self.vision, self.audio, self.relay, self.backend, self.history
        )  # fmt: skip
        return [p for p in parts if p is not None]


@dataclass(frozen=True, slots=True)
class Running:
    """What :meth:`AppController.running` reports: each part that runs now, or None (not running, or left
    out of this mode). ``recording_path``: the WAV being recorded (``record_audio``; user left, model
    right)."""

    conversation: Conversation | None
    audio: AudioIO | None
    relay: RelayServer | None
    recording_path: Path | None
