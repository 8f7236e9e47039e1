"""The main window: preview and mirror, transcript and composer, controls, meters, state, relay, and the
header buttons that open the history panel (Ctrl+Shift+H) and the settings (Ctrl+,).

The window is a view plus a command sender. It renders events handed to :meth:`MainWindow.on_event` (the
bridge's signal is connected to it) and turns user actions into controller commands through the
:class:`~desktop_app.ui.bridge.CommandRunner`; it never calls the controller directly and never waits.
Until :meth:`MainWindow.attach` gives it a controller, actions only explain that the app is starting.

Closing: :meth:`closeEvent` does not close at once the first time; it emits :attr:`close_requested` so the
owner (:mod:`desktop_app.ui.window_app`) can shut the controller and the loop down in order, then call
:meth:`allow_close` and close again.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDesktopServices,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.controller_api import (
    Controller,
    HistoryStore,
    KeyStore,
    MonitorInfo,
    Settings,
    StoredKey,
    changed_fields,
    monitors,
)
from desktop_app.core.events import (
    BackendInfo,
    ErrorEvent,
    GoAway,
    InputState,
    Interrupted,
    ModelText,
    RelayStatus,
    SessionState,
    Transcript,
    TurnComplete,
    TurnLatency,
    UsageUpdate,
    VoiceActivity,
)
from desktop_app.core.media_events import AudioLevels, FrameSent, PreviewFrame, VideoState, VideoStatus
from desktop_app.core.redaction import Redactor
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.connection_status import ConnectionStatus
from desktop_app.ui.glyphs import app_icon, glyph
from desktop_app.ui.history_dialog import HistoryDialog
from desktop_app.ui.settings_dialog import KeyAction, SettingsDialog
from desktop_app.ui.state_file import StateFile
from desktop_app.ui.theme import COLORS
from desktop_app.ui.transcript_model import TranscriptModel
from desktop_app.ui.widgets.card import card
from desktop_app.ui.widgets.controls import ControlBar
from desktop_app.ui.widgets.level_meter import LevelMeter
from desktop_app.ui.widgets.notices import NoticeArea, OfflineBanner
from desktop_app.ui.widgets.relay_panel import RelayPanel
from desktop_app.ui.widgets.status_bar import ConnectionPill, StatusStrip
from desktop_app.ui.widgets.transcript_view import TranscriptView
from desktop_app.ui.widgets.video_view import SentMirror, VideoView
from desktop_app.ui.window_memory import WindowMemory

__all__ = ["DEFAULT_SIZE", "MINIMUM_SIZE", "MainWindow"]

T = TypeVar("T")

DEFAULT_SIZE = QSize(1280, 800)
MINIMUM_SIZE = QSize(960, 640)


_VIDEO_TONES = {
    VideoState.STARTING: "busy",
    VideoState.LIVE: "ok",
    VideoState.UNAVAILABLE: "bad",
    VideoState.ENDED: "idle",
    VideoState.STOPPED: "idle",
}
_TEXT_INPUTS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox, QComboBox)


class MainWindow(QMainWindow):
    """See the module docstring. ``key_store`` keeps the API key; ``memory`` the geometry; ``history_store``
    is what the history panel reads (default: the user's history directory)."""

    close_requested = Signal()

    def __init__(
        self,
        settings: Settings,
        runner: CommandRunner,
        *,
        key_store: KeyStore | None = None,
        memory: WindowMemory | None = None,
        monitor_lister: Callable[[], list[MonitorInfo]] = monitors,
        history_store: HistoryStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self._runner = runner
        self._key_store = key_store or KeyStore()
        self._memory = memory or WindowMemory()
        self._monitor_lister = monitor_lister
        self.controller: Controller | None = None
        self._close_allowed = False
        self._closing = False
        self.shown_at: float | None = None
        self.transcript = TranscriptModel()
        self.connection = ConnectionStatus()
        self.input_state = InputState(
            headphones=not settings.echo_cancellation, volume=settings.output_volume
        )
        self.backend: BackendInfo | None = None
        self.relay: RelayStatus | None = None
        self.last_levels = AudioLevels()
        self.last_latency_ms: float | None = None
        self.events_seen: dict[str, int] = {}
        self.dialog: SettingsDialog | None = None
        self.history_store = history_store or HistoryStore()
        self.history_dialog: HistoryDialog | None = None
        self._stored_key = StoredKey()
        self._talk_key_down = False

        self.setWindowTitle("Gemini Live")
        self.setWindowIcon(app_icon())
        self.setMinimumSize(MINIMUM_SIZE)
        self.resize(DEFAULT_SIZE)
        self._build()
        self._shortcuts()
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._refresh_connection)
        self._runner.failed.connect(lambda message: self.notices.add(message, "error"))
        self.state_file = StateFile.from_env(self.snapshot, parent=self)
        if not self._memory.restore(self, self.splitter):
            self._fit_to_screen()
        self._show_vision_off()
        QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]

    # --- layout ------------------------------------------------------------------------------------

    def _fit_to_screen(self) -> None:
        """First start: the default size, shrunk to the screen and centred on it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        width = max(self.minimumWidth(), min(DEFAULT_SIZE.width(), area.width()))
        height = max(self.minimumHeight(), min(DEFAULT_SIZE.height(), area.height()))
        self.resize(width, height)
        self.move(
            area.x() + max(0, (area.width() - width) // 2), area.y() + max(0, (area.height() - height) // 2)
        )

    def _build(self) -> None:
        # header
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(QSize(28, 28)))
        title = QLabel("Gemini Live")
        title.setObjectName("appTitle")
        self.pill = ConnectionPill()
        self.backend_label = QLabel("")
        self.backend_label.setObjectName("backendLabel")
        self.settings_button = QPushButton("Settings")
        self.settings_button.setIcon(glyph("settings", COLORS["text"], 18))
        self.settings_button.setToolTip("Settings (Ctrl+,)")
        self.settings_button.clicked.connect(self.open_settings)
        self.history_button = QPushButton("History")
        self.history_button.setIcon(glyph("history", COLORS["text"], 18))
        self.history_button.setToolTip("Past conversations (Ctrl+Shift+H)")
        self.history_button.clicked.connect(self.open_history)
        header = QHBoxLayout()
        header.setSpacing(10)
        header.addWidget(logo)
        header.addWidget(title)
        header.addSpacing(8)
        header.addWidget(self.pill)
        header.addWidget(self.backend_label)
        header.addStretch(1)
        header.addWidget(self.history_button)
        header.addWidget(self.settings_button)

        self.banner = OfflineBanner()
        self.banner.set_key_requested.connect(lambda: self.open_settings(focus_key=True))

        # left: vision and relay
        self.video = VideoView()
        self.video.retry_requested.connect(
            lambda: self._command("Retrying the camera", lambda c: c.retry_camera())
        )
        self.mirror = SentMirror()
        vision_title = QLabel("CAMERA")
        vision_title.setObjectName("cardTitle")
        self.vision_title = vision_title
        vision_card = card(vision_title, self.video, self.mirror)
        vision_box = vision_card.layout()
        assert isinstance(vision_box, QVBoxLayout)
        vision_box.setStretch(1, 1)
        self.relay_panel = RelayPanel()
        self.relay_panel.open_requested.connect(self._open_url)
        relay_card = card(self.relay_panel, margins=12)
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.setSpacing(12)
        left_box.addWidget(vision_card, 1)
        left_box.addWidget(relay_card)

        # right: conversation
        conv_title = QLabel("CONVERSATION")
        conv_title.setObjectName("cardTitle")
        self.notices = NoticeArea()
        self.transcript_view = TranscriptView()
        self.composer = QLineEdit()
        self.composer.setObjectName("composer")
        self.composer.setPlaceholderText("Type a message and press Enter  (Ctrl+L)")
        self.composer.setAccessibleName("Message to Gemini")
        self.composer.returnPressed.connect(self.send_typed)
        self.send_button = QToolButton()
        self.send_button.setIcon(glyph("send", COLORS["text"], 20))
        self.send_button.setToolTip("Send (Enter)")
        self.send_button.setAccessibleName("Send")
        self.send_button.clicked.connect(self.send_typed)
        composer_row = QHBoxLayout()
        composer_row.setSpacing(8)
        composer_row.addWidget(self.composer, 1)
        composer_row.addWidget(self.send_button)
        conv_card = card(conv_title, self.notices, self.transcript_view)
        conv_box = conv_card.layout()
        assert isinstance(conv_box, QVBoxLayout)
        conv_box.setStretch(2, 1)
        conv_box.addLayout(composer_row)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(conv_card)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(12)
        self.splitter.setSizes([700, 560])

        # bottom: controls, then the level meters over the volume
        self.controls = ControlBar()
        self.mic_meter = LevelMeter("Mic")
        self.speaker_meter = LevelMeter("Speaker")
        mixer = QWidget()
        mixer_box = QVBoxLayout(mixer)
        mixer_box.setContentsMargins(0, 0, 0, 0)
        mixer_box.setSpacing(2)
        mixer_box.addWidget(self.mic_meter)
        mixer_box.addWidget(self.speaker_meter)
        mixer_box.addWidget(self.controls.volume_row)
        mixer.setFixedWidth(230)
        bottom = QFrame()
        bottom.setObjectName("card")
        bottom_row = QHBoxLayout(bottom)
        bottom_row.setContentsMargins(12, 8, 14, 8)
        bottom_row.setSpacing(16)
        bottom_row.addWidget(self.controls, 1)
        bottom_row.addWidget(mixer)
        self._connect_controls()

        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(12)
        outer.addLayout(header)
        outer.addWidget(self.banner)
        outer.addWidget(self.splitter, 1)
        outer.addWidget(bottom)
        self.setCentralWidget(central)
        self.status = StatusStrip()
        self.setStatusBar(self.status)

    def _connect_controls(self) -> None:
        c = self.controls
        c.mic_muted_changed.connect(
            lambda on: self._command("Muting the microphone", lambda ctl: ctl.set_mic_muted(on))
        )
        c.push_to_talk_changed.connect(
            lambda on: self._command("Switching push-to-talk", lambda ctl: ctl.set_push_to_talk(on))
        )
        c.talk_changed.connect(lambda on: self._command("Push-to-talk", lambda ctl: ctl.talk(on)))
        c.camera_changed.connect(self._camera_toggled)
        c.screen_changed.connect(
            lambda monitor: self._command("Sharing the screen", lambda ctl: ctl.set_screen(monitor))
        )
        c.vision_paused_changed.connect(
            lambda on: self._command("Pausing vision", lambda ctl: ctl.set_vision_paused(on))
        )
        c.headphones_changed.connect(
            lambda on: self._command("Switching headphones mode", lambda ctl: ctl.set_headphones(on))
        )
        c.volume_changed.connect(lambda v: self._command("Setting the volume", lambda ctl: ctl.set_volume(v)))
        c.monitors_wanted.connect(self.refresh_monitors)

    def _shortcuts(self) -> None:
        c = self.controls
        bindings: list[tuple[str | QKeySequence.StandardKey, Callable[[], object]]] = [
            ("Ctrl+M", c.toggle_mic),
            ("Ctrl+T", c.toggle_ptt),
            ("Ctrl+E", c.toggle_camera),
            ("Ctrl+D", c.toggle_screen),
            ("Ctrl+P", c.toggle_pause),
            ("Ctrl+H", c.toggle_headphones),
            ("Ctrl+Up", lambda: c.nudge_volume(1)),
            ("Ctrl+Down", lambda: c.nudge_volume(-1)),
            ("Ctrl+,", self.open_settings),
            ("Ctrl+Shift+H", self.open_history),
            ("Ctrl+L", self.composer.setFocus),
            (QKeySequence.StandardKey.Quit, self.close),
        ]
        self.shortcuts: dict[str, QShortcut] = {}
        for key, action in bindings:
            sequence = QKeySequence(key)
            shortcut = QShortcut(sequence, self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(action)
            self.shortcuts[sequence.toString()] = shortcut

    # --- the controller ------------------------------------------------------------------------------

    def attach(self, controller: Controller) -> None:
        """Give the window its controller (after the window is shown: the import is the slow part)."""
        self.controller = controller

    def _command(
        self,
        what: str,
        command: Callable[[Controller], Coroutine[Any, Any, T]],
        on_result: Callable[[T], None] | None = None,
    ) -> None:
        """Run ``command(controller)`` on the loop (``what`` names it in a failure notice); before
        :meth:`attach`, say that the app is still starting instead."""
        controller = self.controller
        if controller is None:
            self.notices.add("The app is still starting; try again in a moment.", "info", timeout_s=5)
            return
        self._runner.submit(what, command, controller, on_result=on_result)

    def _camera_toggled(self, on: bool) -> None:
        spec = (self.settings.video_source or "0") if on else None
        self._command("Switching the camera", lambda ctl: ctl.set_camera(spec))

    def send_typed(self) -> None:
        text = self.composer.text().strip()
        if not text:
            return
        self.composer.clear()
        self.transcript_view.apply(self.transcript.add_typed(text))
        self._command("Sending the message", lambda ctl: ctl.send_text(text))
        self._dirty()

    def refresh_monitors(self) -> None:
        self._runner.run_blocking(
            "Listing screens",
            self._monitor_lister,
            on_result=self.controls.set_monitors,
            on_error=lambda message: self._notice(message, "warning", 10),
            owner=self,
        )

    def _open_url(self, url: QUrl) -> None:
        if not QDesktopServices.openUrl(url):
            self.notices.add(
                f"No web browser could be opened. Open {url.toString()} in your browser yourself.",
                "warning",
                timeout_s=20,
            )

    # --- events --------------------------------------------------------------------------------------

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
        if isinstance(event, Transcript | ModelText | Interrupted | TurnComplete):
            self.transcript_view.apply(self.transcript.apply(event))
        elif isinstance(event, TurnLatency):
            self.last_latency_ms = event.ms
            self.status.show_latency(event.ms)
            self.transcript_view.apply(self.transcript.apply(event))
        elif isinstance(event, SessionState | GoAway):
            self.connection.apply(event, time.monotonic())
            self._refresh_connection()
            if isinstance(event, SessionState):
                self.transcript_view.apply(self.transcript.apply(event))
        elif isinstance(event, BackendInfo):
            self.backend = event
            who = "Offline emulator" if event.notice else event.name.capitalize()
            self.backend_label.setText(f"{who} · {event.model}")
            self.banner.show_notice(event.notice)
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
        elif isinstance(event, ErrorEvent):
            self._show_error(event)
        self._dirty()

    def _show_error(self, event: ErrorEvent) -> None:
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
            "Turn on the camera (Ctrl+E) or share a screen (Ctrl+D) to let Gemini see.",
        )
        self.video.set_chip("")
        self.video.offer_retry(False)
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
        self.video.offer_retry(unavailable)
        if unavailable or status.state is VideoState.ENDED:
            self.video.clear(status.message or f"{status.source} is not available", "")
        if status.paused:
            self.status.show_frames("Vision paused")

    def _refresh_connection(self) -> None:
        self.pill.show_label(self.connection.label(time.monotonic()))
        if self.connection.needs_ticks():
            if not self._tick.isActive():
                self._tick.start()
        else:
            self._tick.stop()

    # --- settings ------------------------------------------------------------------------------------

    def open_settings(self, focus_key: bool = False) -> SettingsDialog:
        """Open the (window-modal) settings dialog; returns it (tests drive it)."""
        if self.dialog is not None and shiboken6.isValid(self.dialog) and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        env_key = bool(os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY"))
        dialog = SettingsDialog(
            self.settings, self._runner, stored_key=self._stored_key, env_key=env_key, parent=self
        )
        dialog.accepted.connect(lambda: self._settings_accepted(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        if focus_key:
            dialog.tabs.setCurrentIndex(0)
            dialog.api_key.setFocus()
        return dialog

    def open_history(self) -> HistoryDialog:
        """Open the history panel (non-modal: the conversation goes on); returns it (tests drive it)."""
        dialog = self.history_dialog
        if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
            dialog.refresh()
            dialog.activateWindow()  # asks the window manager to bring it forward
            return dialog
        dialog = HistoryDialog(
            self._runner, self.history_store, history_enabled=self.settings.history, parent=self
        )
        dialog.finished.connect(dialog.deleteLater)
        self.history_dialog = dialog
        dialog.show()
        return dialog

    def set_stored_key(self, stored: StoredKey) -> None:
        """What the key store holds (loaded at start-up off the Qt thread)."""
        self._stored_key = stored

    def _settings_accepted(self, dialog: SettingsDialog) -> None:
        settings = dialog.result_settings()
        action = dialog.key_action
        if action is KeyAction.SAVE and settings.api_key:
            self._runner.run_blocking(
                "Saving the API key",
                self._key_store.save,
                settings.api_key,
                on_result=self._key_saved,
                on_error=self._notice,
            )
        elif action is KeyAction.FORGET:
            self._runner.run_blocking(
                "Forgetting the API key",
                self._key_store.delete,
                on_result=lambda _none: self.set_stored_key(StoredKey()),
                on_error=self._notice,
            )
        self.apply_settings(settings)

    def _notice(self, message: str, tone: str = "error", timeout_s: float | None = None) -> None:
        self.notices.add(message, tone, timeout_s=timeout_s)

    def _key_saved(self, stored: StoredKey) -> None:
        self.set_stored_key(stored)
        if stored.warning:
            self.notices.add(stored.warning, "warning", timeout_s=30)

    def apply_settings(self, settings: Settings) -> None:
        old, self.settings = self.settings, settings
        if settings.api_key != old.api_key:
            self._runner.set_redactor(Redactor([settings.api_key, old.api_key]))
        if not changed_fields(old, settings):
            return

        def applied(reconnected: bool) -> None:
            text = "Settings saved; a new session started." if reconnected else "Settings saved."
            self.notices.add(text, "info", timeout_s=6)

        self._command("Applying the settings", lambda ctl: ctl.apply_settings(settings), on_result=applied)

    # --- push-to-talk key -----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        is_key = kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and isinstance(event, QKeyEvent)
        if is_key and self._handle_talk_key(event):  # type: ignore[arg-type]
            return True
        return super().eventFilter(watched, event)

    def _handle_talk_key(self, event: QKeyEvent) -> bool:
        if event.key() != Qt.Key.Key_Space or event.modifiers() != Qt.KeyboardModifier.NoModifier:
            return False
        if not self.input_state.push_to_talk or not self.isActiveWindow():
            return False
        if isinstance(QApplication.focusWidget(), _TEXT_INPUTS):
            return False
        if event.isAutoRepeat():
            return True
        pressed = event.type() == QEvent.Type.KeyPress
        if pressed != self._talk_key_down:
            self._talk_key_down = pressed
            self._command("Push-to-talk", lambda ctl: ctl.talk(pressed))
        return True

    # --- window lifecycle -------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.shown_at is None:
            self.shown_at = time.time()
            QTimer.singleShot(0, self._dirty)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._close_allowed:
            self._memory.save(self, self.splitter)
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self)
            event.accept()
            return
        event.ignore()
        if not self._closing:
            self._closing = True
            self.setEnabled(False)
            self.pill.show_label(dataclasses.replace(self.pill.status, text="Closing…", tone="idle"))
            self.close_requested.emit()

    def allow_close(self) -> None:
        self._close_allowed = True

    # --- snapshot (tests, benchmarks) ------------------------------------------------------------------

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
            "relay_url": self.relay.url if self.relay else None,
            "relay_clients": list(self.relay.clients) if self.relay else [],
            "events_seen": dict(self.events_seen),
            "threads": sorted(t.name for t in threading.enumerate()),
            "thread_ids": {str(t.native_id): t.name for t in threading.enumerate()},
        }
