"""The history service: the conversation's JSON-lines file and, with ``record_audio``, the two-channel WAV.

The history writer sees every published event (it taps the :class:`~desktop_app.services.bus.Bus`). The
recorder is fed the microphone blocks after they were sent and the model's audio as it arrives, and a
supervised tick writes out what can no longer change while neither side sends audio.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from desktop_app.config import Section, Settings
from desktop_app.core.clock import Clock
from desktop_app.core.errors import MediaError
from desktop_app.core.events import Event, Interrupted, MicAudio, ModelAudio
from desktop_app.history import HistoryWriter, TwoChannelRecorder
from desktop_app.history.paths import new_recording_file
from desktop_app.runtime.tasks import Policy, Supervised, stop_task
from desktop_app.services.backend import BackendService
from desktop_app.services.bus import Bus, ServiceBase

__all__ = ["HistoryService"]

_RECORDING_TICK_S = 0.25  # how often a recording writes out what can no longer change


class HistoryService(ServiceBase):
    """Call on the loop thread. Start it after the backend (the file names the backend and model)."""

    sections = frozenset({Section.HISTORY})

    def __init__(self, settings: Settings, bus: Bus, backend: BackendService, clock: Clock) -> None:
        super().__init__(settings, bus)
        self._backend = backend
        self._clock = clock
        self.writer: HistoryWriter | None = None
        self._recorder: TwoChannelRecorder | None = None
        self._tick: Supervised | None = None

    @property
    def recording_path(self) -> Path | None:
        """The WAV being recorded (user left, model right), or None when not recording."""
        return self._recorder.path if self._recorder is not None else None

    async def start(self) -> None:
        self._open_history()
        self._open_recorder()

    async def stop(self) -> None:
        """Finish the recording, then close the history file. Safe to call twice."""
        await self._close_recorder()
        if self.writer is not None:
            writer, self.writer = self.writer, None
            self._bus.history = None
            writer.close()

    async def apply_settings(self, settings: Settings) -> None:
        """Start or finish the recording as ``record_audio`` says (the history file stays as it is)."""
        self._settings = settings
        if settings.record_audio:
            self._open_recorder()
        else:
            await self._close_recorder()

    # --- feeding ------------------------------------------------------------------------------------

    def user_text(self, text: str) -> None:
        if self.writer is not None:
            self.writer.user_text(text)

    def on_session_event(self, event: Event) -> None:
        """Record the model's audio (and interruptions) as it arrives."""
        if self._recorder is not None and isinstance(event, ModelAudio | Interrupted):
            self._record(event)

    def on_mic_sent(self, block: MicAudio) -> None:
        if self._recorder is not None:
            self._record(block)

    # --- the history file ---------------------------------------------------------------------------

    def _open_history(self) -> None:
        """Append this conversation to a JSON-lines file in the history directory (unless turned off)."""
        handle = self._backend.handle
        if not self._settings.history or handle is None or self.writer is not None:
            return
        writer = HistoryWriter(
            backend=handle.backend.name,
            model=self._settings.model,
            on_failure=lambda message: self._bus.notice(message, "history"),
        )
        try:
            writer.open()
        except OSError as err:
            self._bus.notice(
                f"The conversation history cannot be written ({err}). The conversation goes on unsaved.",
                "history",
            )
            return
        self.writer = writer
        self._bus.history = writer

    # --- the recording ------------------------------------------------------------------------------

    def _open_recorder(self) -> None:
        """With ``record_audio`` on, record both sides to ``<session id>.wav`` beside the history file.

        The recorder runs on the loop thread and writes in pieces of about 250 ms (a few tens of kilobytes
        to the page cache, no fsync), so it never touches an audio callback and never holds the loop long.
        """
        if not self._settings.record_audio or self._recorder is not None:
            return
        try:
            path = new_recording_file(self.writer.path if self.writer is not None else None)
        except OSError as err:
            self._bus.notice(f"The conversation cannot be recorded ({err}).", "recording")
            return
        recorder = TwoChannelRecorder(path, self._clock)
        try:
            recorder.open()
        except MediaError as err:
            path.unlink(missing_ok=True)  # no empty, unplayable file for the history panel to offer
            self._bus.notice(str(err), "recording")
            return
        self._recorder = recorder
        if self.writer is not None:
            self.writer.note("recording", path=path.name)
        self._tick = self._bus.supervisor.spawn(
            "recording-tick", lambda: self._tick_recorder(recorder), policy=Policy.RESTART
        )

    async def _tick_recorder(self, recorder: TwoChannelRecorder) -> None:
        """Keep the file current while neither side sends audio (muted, push-to-talk, silence)."""
        while self._recorder is recorder:
            await asyncio.sleep(_RECORDING_TICK_S)
            self._record(None)

    def _record(self, item: MicAudio | ModelAudio | Interrupted | None) -> None:
        """Feed the recorder (None: just write out what settled). A write error ends the recording."""
        recorder = self._recorder
        if recorder is None:
            return
        try:
            if item is None:
                recorder.tick()
            else:
                recorder(item)
        except (OSError, ValueError) as err:
            self._recorder = None
            with contextlib.suppress(OSError, ValueError):
                recorder.close()
            self._bus.notice(f"Recording stopped: {recorder.path} cannot be written ({err}).", "recording")

    async def _close_recorder(self) -> None:
        tick, self._tick = self._tick, None
        await stop_task(tick)
        if self._recorder is not None:
            recorder, self._recorder = self._recorder, None
            try:
                recorder.close()
            except (OSError, ValueError) as err:
                self._bus.notice(f"The recording {recorder.path} could not be finished ({err}).", "recording")
