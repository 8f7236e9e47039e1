"""How events show in the main window: the state it keeps from them and the snapshot of what it shows.

:class:`EventView` adds to the :class:`~desktop_app.ui.window_layout.WindowLayout` widgets what the window
remembers of the running app (the transcript model, the connection, the input state, the backend, the
relay, the last levels and latency) and :meth:`EventView.on_event`, which renders one event on the Qt
thread: connect the bridge's ``received`` signal to it. It sends nothing; :mod:`desktop_app.ui.main_window`
turns user actions into commands.

:meth:`EventView.snapshot` is what the window shows, as plain data; with ``GLD_STATE_FILE`` set it is
written there after each change (:mod:`desktop_app.ui.state_file`), for tests and benchmarks.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from desktop_app.controller_api import Settings
from desktop_app.core.app_events import (
    BackendInfo,
    InputState,
    RelayStatus,
    ToolActivity,
    ToolsChanged,
    TurnLatency,
)
from desktop_app.core.error_wording import wording_for
from desktop_app.core.events import (
    ErrorEvent,
    GoAway,
    Grounding,
    InteractionUpdate,
    Interrupted,
    ModelText,
    ModelThought,
    SessionPhase,
    SessionState,
    Transcript,
    TurnComplete,
    UsageUpdate,
    VoiceActivity,
)
from desktop_app.core.media_events import AudioLevels, FrameSent, PreviewFrame, VideoState, VideoStatus
from desktop_app.ui.connection_status import ConnectionStatus, StatusLabel
from desktop_app.ui.shortcut_keys import keys_of
from desktop_app.ui.state_file import StateFile
from desktop_app.ui.transcript_model import TranscriptModel
from desktop_app.ui.window_layout import WindowLayout
from desktop_app.ui.window_tools import WindowTools

__all__ = ["EventView"]

_VIDEO_TONES = {
    VideoState.STARTING: "busy",
    VideoState.LIVE: "ok",
    VideoState.UNAVAILABLE: "bad",
    VideoState.ENDED: "idle",
    VideoState.STOPPED: "idle",
}


class EventView(WindowLayout):
    """The window's widgets plus the state shown in them (see the module docstring). ``settings`` gives the
    input state shown before the controller reports one."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shown_at: float | None = None
        self.transcript = TranscriptModel()
        self.connection = ConnectionStatus()
        self._emulator_chosen = settings.backend == "emulator"  # which answers, until BackendInfo says
        self.input_state = InputState(
            listening=settings.listen_at_launch,
            headphones=not settings.echo_cancellation,
            volume=settings.output_volume,
        )
        self.backend: BackendInfo | None = None
        self.relay: RelayStatus | None = None
        self.last_levels = AudioLevels()
        self.last_latency_ms: float | None = None
        self.events_seen: dict[str, int] = {}
        self.status.set_model(settings.model)
        self.status.set_prices(settings.price_input_per_mtok, settings.price_output_per_mtok)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._refresh_connection)
        self.tools = WindowTools(self, self.transcript, self.transcript_view, self._tool_notice)
        self.state_file = StateFile.from_env(self.snapshot, parent=self)
        self._show_vision_off()
        self.talk_toggle.show_state(self.input_state)

    def on_event(self, event: object) -> None:
        """Render one event (Qt thread; connected to the bridge)."""
        name = type(event).__name__
        self.events_seen[name] = self.events_seen.get(name, 0) + 1
        if isinstance(event, PreviewFrame):
            if self.input_state.camera is not None or self.input_state.screen is not None:
                self.video.show_frame(event.frame)
            return  # high rate: no state-file write per frame
        if isinstance(event, AudioLevels):
            self.last_levels = event
            self.mic_meter.set_levels(event.input_dbfs, event.input_peak_dbfs)
            self.speaker_meter.set_levels(event.output_dbfs, event.output_peak_dbfs)
            return
        if isinstance(
            event, Transcript | ModelText | ModelThought | Interrupted | TurnComplete | ToolActivity
        ):
            self.transcript_view.apply(self.transcript.apply(event))
        elif isinstance(event, TurnLatency):
            self.last_latency_ms = event.ms
            self.status.show_latency(event.ms)
            self.transcript_view.apply(self.transcript.apply(event))
        elif isinstance(event, SessionState | GoAway | InteractionUpdate):
            self.connection.apply(event, time.monotonic())  # InteractionUpdate: "working in the background"
            self._refresh_connection()
            if not isinstance(event, GoAway):
                self.transcript_view.apply(self.transcript.apply(event))
            if isinstance(event, SessionState) and event.phase is SessionPhase.LIVE:
                self.error_banner.resolve()  # connected again: the problem is over
            elif isinstance(event, SessionState) and event.phase is SessionPhase.CLOSED and event.detail:
                self._session_failed(event.detail)
            if isinstance(event, SessionState) and event.phase is not SessionPhase.LIVE:
                self.status.show_speaking(False)
                if event.phase is SessionPhase.CONNECTING:
                    self.status.new_session()
        elif isinstance(event, BackendInfo):
            self.backend = event
            who = "Offline emulator" if event.notice else event.name.capitalize()
            self.backend_label.setText(f"{who} · {event.model}")
            self.status.set_model(event.model)
            self.banner.show_notice(event.notice)
            self.connection.demo = event.name == "emulator"  # the pill says "Demo", not "Live"
            if self.error_banner.code == "backend":
                self.error_banner.resolve()  # the backend that could not open is up (a session may wait)
            self._refresh_connection()
        elif isinstance(event, RelayStatus):
            self.relay = event
            self.relay_panel.show_status(event)
        elif isinstance(event, InputState):
            self._show_input(event)
        elif isinstance(event, FrameSent):
            self.mirror.show_sent(event)
            self.status.show_frames(f"{event.count:,} frames sent")
        elif isinstance(event, VideoStatus):
            self._show_video_status(event)
        elif isinstance(event, UsageUpdate):
            self.status.show_usage(event)
        elif isinstance(event, VoiceActivity):
            self.status.show_speaking(event.speaking)
            if self.connection.apply(event, time.monotonic()):
                self._refresh_connection()
        elif isinstance(event, ErrorEvent):
            self._show_error(event)
        elif isinstance(event, ToolsChanged):
            self.tools.refresh()
        elif isinstance(event, Grounding):  # chips under the reply
            self.tools.show_grounding(event)
        if isinstance(event, SessionState) and event.phase is SessionPhase.LIVE:
            self.tools.refresh()  # the run's tools are known once a session is up
        self._dirty()

    def _tool_notice(self, text: str) -> None:
        self.notices.add(text, "warning", timeout_s=15)

    def _session_failed(self, detail: str) -> None:
        """The session closed on a failure: the banner, unless a more precise one already shows (a
        classified ``ErrorEvent`` comes just before or just after, and then replaces this one)."""
        wording = wording_for("live_error")
        if wording is not None and not self.error_banner.showing:
            self.error_banner.show_problem(wording, detail)

    def _show_error(self, event: ErrorEvent) -> None:
        demo = self.connection.demo if self.backend is not None else self._emulator_chosen
        wording = wording_for(event.code, demo=demo)
        if wording is not None:  # the conversation is not connected: the banner, until it is again
            self.error_banner.show_problem(wording, event.message, event.code)
            return
        if event.code == "not_live":
            return  # the transcript marks the typed message as not sent, with Resend
        if event.code.endswith("notice"):
            self.notices.add(event.message, "info", timeout_s=15)
        elif event.retryable:
            self.notices.add(event.message, "warning", timeout_s=20)
        else:
            self.notices.add(event.message, "error")

    def _show_input(self, state: InputState) -> None:
        vision_was_on = self.input_state.camera is not None or self.input_state.screen is not None
        self.input_state = state
        self.controls.show_state(state)
        self.talk_toggle.show_state(state)
        self.sharing_chip.show_state(state)
        if self.connection.phase is None and not state.listening:  # idle: no session yet, nothing sent
            self.pill.show_label(StatusLabel("Idle", "idle", "Nothing is sent until you start talking."))
        vision_on = state.camera is not None or state.screen is not None
        if not vision_on:
            self._show_vision_off()
        elif not vision_was_on:
            self.video.clear("Starting…")
            self.mirror.reset()
        self.vision_title.setText("SCREEN" if state.screen is not None else "CAMERA")

    def _show_vision_off(self) -> None:
        self.video.clear(
            "Vision is off",
            f"Turn on the camera ({keys_of('camera')[0]}) or share a screen ({keys_of('screen')[0]})"
            " to let Gemini see.",
        )
        self.video.set_chip("")
        self.video.offer_retry(False)
        self.controls.show_camera_unavailable(False)
        self.mirror.reset()  # no stale thumbnail or frame count once vision stopped
        self.status.show_frames("Vision off")

    def _show_video_status(self, status: VideoStatus) -> None:
        if status.state is VideoState.STOPPED:
            if self.input_state.camera is None and self.input_state.screen is None:
                self._show_vision_off()
            return
        chip = status.source + (" · paused" if status.paused else "")
        tone = "warn" if status.paused and status.state is VideoState.LIVE else _VIDEO_TONES[status.state]
        self.video.set_chip(chip, tone)
        unavailable = status.state is VideoState.UNAVAILABLE
        camera = self.input_state.screen is None
        self.controls.show_camera_unavailable(unavailable and camera)
        self.video.offer_retry(unavailable, choose=camera)
        if unavailable or status.state is VideoState.ENDED:
            what = "Camera" if camera else "Screen sharing"
            title = f"{what} unavailable" if unavailable else "The video ended"
            self.video.clear(title, status.message or f"{status.source} is not available.")
            self.mirror.reset()  # nothing is being sent: the last thumbnail would be stale
            self.status.show_frames(title)
        if status.paused:
            self.status.show_frames("Vision paused")

    def _refresh_connection(self) -> None:
        self.pill.show_label(self.connection.label(time.monotonic()))
        if self.connection.needs_ticks():
            if not self._tick.isActive():
                self._tick.start()
        else:
            self._tick.stop()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.shown_at is None:
            self.shown_at = time.time()
            QTimer.singleShot(0, self._dirty)

    def _dirty(self) -> None:
        if self.state_file is not None:
            self.state_file.mark_dirty()

    def snapshot(self) -> dict[str, Any]:
        """What the window shows, as plain data."""
        frame = self.frameGeometry()
        sent = self.mirror.last
        return {
            "pid": os.getpid(),
            "shown": self.shown_at is not None,
            "shown_at": self.shown_at,
            "geometry": [frame.x(), frame.y(), frame.width(), frame.height()],
            "connection": self.pill.plain_text,
            "phase": self.connection.phase.value if self.connection.phase else None,
            "backend": self.backend.name if self.backend else None,
            "model": self.backend.model if self.backend else None,
            "offline_banner": self.banner.isVisible(),
            "error_banner": self.error_banner.title.text() if self.error_banner.showing else "",
            "banner_text": self.banner.text if self.banner.isVisible() else "",
            "transcript": [e.as_dict() for e in self.transcript.entries],
            "turn": self.transcript.turn,
            "bubbles": [[kind, text] for kind, text in self.transcript_view.visible_texts()],
            "notices": [n.text for n in self.notices.notices()],
            "notice_history": [list(item) for item in self.notices.history],
            "input": dataclasses.asdict(self.input_state),
            "frames_sent": sent.count if sent else 0,
            "last_frame_size": [sent.width, sent.height, sent.nbytes] if sent else None,
            "preview_frames_shown": self.video.frames_shown,
            "levels": dataclasses.asdict(self.last_levels),
            "latency_ms": self.last_latency_ms,
            "usage": dataclasses.asdict(self.status.last_usage) if self.status.last_usage else None,
            "session_tokens": self.status.usage.usage.total_tokens,
            "cost_estimate": self.status.cost.text(),
            "working_in_background": self.connection.working,
            "hearing_you": bool(self.status.speaking.text()),
            "relay_url": self.relay.url if self.relay else None,
            "relay_clients": list(self.relay.clients) if self.relay else [],
            "events_seen": dict(self.events_seen),
            "threads": sorted(t.name for t in threading.enumerate()),
            "thread_ids": {str(t.native_id): t.name for t in threading.enumerate()},
        }
