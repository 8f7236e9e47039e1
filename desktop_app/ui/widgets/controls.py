"""The control bar: microphone, push-to-talk, camera, screen sharing, vision pause, headphones, volume.

The bar only emits what the user asked for; the window turns that into controller commands. The buttons
show what the controller last reported (:meth:`ControlBar.show_state` with an :class:`InputState`), so a
command that did not take effect does not leave a button lying.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QSlider,
    QToolButton,
    QWidget,
)

from desktop_app.controller_api import MonitorInfo
from desktop_app.core.app_events import InputState
from desktop_app.ui.glyphs import glyph
from desktop_app.ui.shortcut_keys import keys_of, tip
from desktop_app.ui.theme import COLORS, set_dynamic

__all__ = ["ControlBar"]

_ICON = QSize(22, 22)
_TEXT_MIN_WIDTH = 76
_SPACING = 6
_GROUP_GAP = 10


def _button(text: str, icon: str, tip: str, *, checkable: bool = True) -> QToolButton:
    b = QToolButton()
    b.setText(text)
    b.setIcon(glyph(icon))
    b.setIconSize(_ICON)
    b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
    b.setCheckable(checkable)
    b.setToolTip(tip)
    b.setAccessibleName(text)
    b.setMinimumWidth(_TEXT_MIN_WIDTH)
    b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    return b


class ControlBar(QWidget):
    mic_muted_changed = Signal(bool)
    push_to_talk_changed = Signal(bool)
    talk_changed = Signal(bool)
    camera_changed = Signal(bool)
    screen_changed = Signal(object)  # a monitor string, or None to stop sharing
    vision_paused_changed = Signal(bool)
    headphones_changed = Signal(bool)
    volume_changed = Signal(float)
    monitors_wanted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mic = _button("Mute", "mic", tip("mute", "Mute or unmute the microphone"))
        set_dynamic(self.mic, "tone", "alert")
        self.ptt = _button(
            "Push to talk", "hand", tip("push_to_talk", "Send the microphone only while you hold Space")
        )
        self.talk = _button(
            "Hold to talk", "mic", "Hold this button, or the Space bar, while you speak", checkable=False
        )
        self.talk.setObjectName("talk")
        self.talk.setVisible(False)
        self.camera = _button("Camera", "camera", tip("camera", "Turn the camera on or off"))
        self.share = _button("Share screen", "screen", tip("screen", "Share a screen instead of the camera"))
        self.share.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self._screen_menu = QMenu(self.share)
        self._screen_menu.aboutToShow.connect(self.monitors_wanted)
        self.share.setMenu(self._screen_menu)
        self.pause = _button("Pause vision", "pause", tip("pause_vision", "Stop sending pictures for now"))
        self.headphones = _button(
            "Headphones", "headphones", tip("headphones", "Wearing headphones: turn echo cancellation off")
        )
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 200)
        self.volume.setValue(100)
        self.volume.setSingleStep(5)
        self.volume.setPageStep(10)
        self.volume.setMinimumWidth(110)
        self.volume.setToolTip(f"Output volume ({keys_of('volume_up')[0]} / {keys_of('volume_down')[0]})")
        self.volume.setAccessibleName("Output volume")
        self._volume_label = QLabel("100%")
        self._volume_label.setObjectName("muted")
        self._volume_label.setMinimumWidth(40)
        vol_icon = QLabel()
        vol_icon.setPixmap(glyph("volume", COLORS["muted"], 18).pixmap(QSize(18, 18)))

        self._widths: dict[QToolButton, int] = {}
        self.monitors: list[MonitorInfo] = []
        self._chosen_monitor = "1"
        self._state = InputState()
        self.camera_unavailable = False  # the chosen camera failed: its button says so
        self._set_monitor_menu([])

        self.mic.toggled.connect(self._on_mic)
        self.ptt.toggled.connect(self.push_to_talk_changed)
        self.talk.pressed.connect(lambda: self.talk_changed.emit(True))
        self.talk.released.connect(lambda: self.talk_changed.emit(False))
        self.camera.toggled.connect(self.camera_changed)
        self.share.clicked.connect(self._on_screen_clicked)
        self.pause.toggled.connect(self.vision_paused_changed)
        self.headphones.toggled.connect(self.headphones_changed)
        self.volume.valueChanged.connect(self._on_volume)

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(_SPACING)
        for w in (self.mic, self.ptt, self.talk):
            row.addWidget(w)
        row.addSpacing(_GROUP_GAP)
        for w in (self.camera, self.share, self.pause):
            row.addWidget(w)
        row.addSpacing(_GROUP_GAP)
        row.addWidget(self.headphones)
        row.addStretch(1)
        # the volume row is laid out by the window (beside the level meters)
        self.volume_row = QWidget()
        vol_row = QHBoxLayout(self.volume_row)
        vol_row.setContentsMargins(0, 0, 0, 0)
        vol_row.setSpacing(6)
        vol_row.addWidget(vol_icon)
        vol_row.addWidget(self.volume, 1)
        vol_row.addWidget(self._volume_label)
        self.compact = False
        # the bar takes the width it is given and fits its buttons to it (names or icons only)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(7 * 54)
        self._refresh_labels()
        for b in self.buttons():
            b.setMinimumWidth(self._named_width(b))

    # --- state from the controller -------------------------------------------------------------------

    @property
    def state(self) -> InputState:
        return self._state

    def show_camera_unavailable(self, unavailable: bool) -> None:
        """The chosen camera failed (its button says "Camera unavailable") or works again."""
        self.camera_unavailable = unavailable
        self._refresh_labels()

    def show_state(self, state: InputState) -> None:
        """Reflect what the controller reports, without emitting anything back."""
        self._state = state
        for button, checked in (
            (self.mic, state.mic_muted),
            (self.ptt, state.push_to_talk),
            (self.camera, state.camera is not None),
            (self.share, state.screen is not None),
            (self.pause, state.vision_paused),
            (self.headphones, state.headphones),
        ):
            button.blockSignals(True)
            button.setChecked(checked)
            button.blockSignals(False)
        if state.screen:
            self._chosen_monitor = state.screen
        self.talk.setVisible(state.push_to_talk)
        self._fit()
        set_dynamic(self.talk, "held", "true" if state.talking else "false")
        self.pause.setEnabled(state.camera is not None or state.screen is not None)
        if not self.volume.isSliderDown():
            self.volume.blockSignals(True)
            self.volume.setValue(round(state.volume * 100))
            self.volume.blockSignals(False)
            self._volume_label.setText(f"{round(state.volume * 100)}%")
        self._refresh_labels()

    def _names(self) -> dict[QToolButton, tuple[str, ...]]:
        """Every name each button can show (its width is the longest one's, so nothing shifts)."""
        return {
            self.mic: ("Mute", "Muted"),
            self.ptt: ("Push to talk",),
            self.talk: ("Hold to talk",),
            self.camera: ("Camera", "Camera on", "Camera unavailable"),
            self.share: ("Share screen", "Sharing"),
            self.pause: ("Pause vision", "Paused"),
            self.headphones: ("Headphones",),
        }

    def _named_width(self, button: QToolButton) -> int:
        """The width ``button`` needs to show the longest of its names under its icon (measured once)."""
        known = self._widths.get(button)
        if known is not None:
            return known
        button.ensurePolished()
        shown, style = button.text(), button.toolButtonStyle()
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        widths = []
        for text in self._names()[button]:
            button.setText(text)
            widths.append(button.sizeHint().width())
        button.setText(shown)
        button.setToolButtonStyle(style)
        self._widths[button] = max(_TEXT_MIN_WIDTH, *widths)
        return self._widths[button]

    def needed_width(self) -> int:
        """The width the buttons need with their names shown (for the longest name each may take)."""
        total = 2 * _GROUP_GAP
        for button in self.buttons():
            if button is self.talk and not self._state.push_to_talk:
                continue
            total += self._named_width(button) + _SPACING
        return total

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        self.set_compact(self.width() < self.needed_width())

    def set_compact(self, compact: bool) -> None:
        """Icons only (names in tooltips) when the bar is narrow; icons with names otherwise."""
        if compact == self.compact:
            return
        self.compact = compact
        style = (
            Qt.ToolButtonStyle.ToolButtonIconOnly if compact else Qt.ToolButtonStyle.ToolButtonTextUnderIcon
        )
        for b in self.buttons():
            b.setToolButtonStyle(style)
            b.setMinimumWidth(48 if compact else self._named_width(b))

    def buttons(self) -> list[QToolButton]:
        return [self.mic, self.ptt, self.talk, self.camera, self.share, self.pause, self.headphones]

    def set_monitors(self, monitors: list[MonitorInfo]) -> None:
        self.monitors = list(monitors)
        self._set_monitor_menu(self.monitors)

    # --- user actions (also used by keyboard shortcuts) -------------------------------------------------

    def toggle_mic(self) -> None:
        self.mic.toggle()

    def toggle_camera(self) -> None:
        self.camera.toggle()

    def toggle_screen(self) -> None:
        self._on_screen_clicked(not self.share.isChecked())

    def toggle_pause(self) -> None:
        if self.pause.isEnabled():
            self.pause.toggle()

    def toggle_ptt(self) -> None:
        self.ptt.toggle()

    def toggle_headphones(self) -> None:
        self.headphones.toggle()

    def nudge_volume(self, steps: int) -> None:
        self.volume.setValue(self.volume.value() + steps * self.volume.singleStep() * 2)

    # --- internals --------------------------------------------------------------------------------------

    def _on_mic(self, muted: bool) -> None:
        self._refresh_labels()
        self.mic_muted_changed.emit(muted)

    def _on_screen_clicked(self, checked: bool) -> None:
        self.screen_changed.emit(self._chosen_monitor if checked else None)

    def _choose_monitor(self, monitor: str) -> None:
        self._chosen_monitor = monitor
        self.share.blockSignals(True)
        self.share.setChecked(True)
        self.share.blockSignals(False)
        self.screen_changed.emit(monitor)

    def _set_monitor_menu(self, monitors: list[MonitorInfo]) -> None:
        menu = self._screen_menu
        menu.clear()
        if not monitors:
            placeholder = QAction("Looking for screens…", menu)
            placeholder.setEnabled(False)
            menu.addAction(placeholder)
        for m in monitors:
            action = QAction(m.label, menu)
            action.setCheckable(True)
            action.setChecked(self._state.screen == str(m.number))
            action.triggered.connect(lambda _checked=False, n=str(m.number): self._choose_monitor(n))
            menu.addAction(action)
        if self.share.isChecked():
            menu.addSeparator()
            stop = QAction("Stop sharing", menu)
            stop.triggered.connect(lambda: self.screen_changed.emit(None))
            menu.addAction(stop)

    def _on_volume(self, value: int) -> None:
        self._volume_label.setText(f"{value}%")
        self.volume_changed.emit(value / 100.0)

    def _refresh_labels(self) -> None:
        muted = self.mic.isChecked()
        self.mic.setText("Muted" if muted else "Mute")
        self.mic.setIcon(glyph("mic-off" if muted else "mic", COLORS["bad"] if muted else COLORS["text"]))
        cam_on = self.camera.isChecked()
        failed = cam_on and self.camera_unavailable  # said by the icon's colour too (icons only when narrow)
        self.camera.setIcon(
            glyph("camera" if cam_on else "camera-off", COLORS["bad"] if failed else COLORS["text"])
        )
        self.camera.setText("Camera unavailable" if failed else "Camera on" if cam_on else "Camera")
        self.camera.setToolTip(
            "Camera unavailable: Retry, or choose another, in the preview (Ctrl+E turns it off)"
            if failed
            else "Turn the camera on or off (Ctrl+E)"
        )
        self.share.setText("Sharing" if self.share.isChecked() else "Share screen")
        self.pause.setText("Paused" if self.pause.isChecked() else "Pause vision")
