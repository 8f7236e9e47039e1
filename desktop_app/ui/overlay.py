"""The caption overlay: the last lines of both sides' transcript, floating over every other window.

:class:`CaptionOverlay` is frameless, always on top, translucent and, while locked, transparent for input
(``Qt.WindowTransparentForInput``): clicks go to the application under it and it never takes the focus.
:meth:`CaptionOverlay.set_locked` (False) makes it a normal, draggable, resizable box with font buttons;
locking again saves its place and font size (:class:`~desktop_app.ui.desktop_memory.DesktopMemory`).

Feed it with :meth:`CaptionOverlay.show_lines` (``(speaker, text)`` pairs, oldest first; the presence
passes the window transcript's last entries). It also carries prompts that need an answer while the window
is hidden: :meth:`CaptionOverlay.show_prompt` shows a title, a text and buttons, accepts clicks until one is
pressed, and then emits :attr:`CaptionOverlay.prompt_answered` ``(key, action_id)``. Construct on the Qt
thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import QGuiApplication, QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizeGrip, QVBoxLayout, QWidget

from desktop_app.ui.desktop_memory import DesktopMemory

__all__ = ["CaptionOverlay"]

MAX_LINES = 3
_LINE_CHARS = 140
_BASE_FLAGS = (
    Qt.WindowType.Tool
    | Qt.WindowType.FramelessWindowHint
    | Qt.WindowType.WindowStaysOnTopHint
    | Qt.WindowType.WindowDoesNotAcceptFocus
)


def tail(text: str, limit: int = _LINE_CHARS) -> str:
    """The end of ``text`` (what is being said now), cut at a word when it is too long."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    space = cut.find(" ")
    return "…" + (cut[space + 1 :] if 0 <= space < 30 else cut)


class CaptionOverlay(QWidget):
    """See the module docstring."""

    prompt_answered = Signal(int, str)
    lock_changed = Signal(bool)

    def __init__(self, memory: DesktopMemory | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, _BASE_FLAGS | Qt.WindowType.WindowTransparentForInput)
        self.setObjectName("captionOverlay")
        self.setWindowTitle("Gemini Live captions")
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self._memory = memory or DesktopMemory()
        self.locked = True
        self.font_pt = self._memory.overlay_font_pt()
        self._drag_from: QPoint | None = None
        self._prompt_key = 0
        self.prompt_open = False
        self.texts: list[tuple[str, str]] = []
        """The lines shown now, as ``(speaker, text)``."""

        self.lines = QLabel("")
        self.lines.setWordWrap(True)
        self.lines.setTextFormat(Qt.TextFormat.RichText)
        self.lines.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
        self.prompt_title = QLabel("")
        self.prompt_text = QLabel("")
        self.prompt_text.setWordWrap(True)
        self.prompt_buttons = QHBoxLayout()
        self.smaller = QPushButton("A−")
        self.larger = QPushButton("A+")
        self.lock_button = QPushButton("Lock")
        self.smaller.clicked.connect(lambda: self.set_font_pt(self.font_pt - 2))
        self.larger.clicked.connect(lambda: self.set_font_pt(self.font_pt + 2))
        self.lock_button.clicked.connect(lambda: self.set_locked(True))
        self.tools = QWidget()
        tools = QHBoxLayout(self.tools)
        tools.setContentsMargins(0, 0, 0, 0)
        for button in (self.smaller, self.larger, self.lock_button):
            tools.addWidget(button)
        tools.addStretch(1)
        tools.addWidget(QSizeGrip(self), 0, Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignRight)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 10, 16, 10)
        box.addWidget(self.prompt_title)
        box.addWidget(self.prompt_text)
        box.addLayout(self.prompt_buttons)
        box.addWidget(self.lines, 1)
        box.addWidget(self.tools)
        self._show_prompt_widgets(False)
        self.tools.setVisible(False)
        self._apply_style()
        self._place()

    # --- captions -----------------------------------------------------------------------------------

    def show_lines(self, lines: Sequence[tuple[str, str]]) -> None:
        """Show the last :data:`MAX_LINES` ``(speaker, text)`` pairs (speaker ``"user"`` or ``"model"``)."""
        kept = [(who, tail(text)) for who, text in lines if text.strip()][-MAX_LINES:]
        self.texts = kept
        html = []
        for who, text in kept:
            color = "#9db4ff" if who == "user" else "#ffffff"
            label = "You" if who == "user" else "Gemini"
            safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            html.append(f'<span style="color:{color}"><b>{label}:</b> {safe}</span>')
        self.lines.setText("<br>".join(html))

    # --- lock, move, resize, font ---------------------------------------------------------------------

    @property
    def input_transparent(self) -> bool:
        return bool(self.windowFlags() & Qt.WindowType.WindowTransparentForInput)

    def set_locked(self, locked: bool) -> None:
        """Locked: clicks pass through. Unlocked: drag to move, the corner grip resizes, A−/A+ set the font.
        Locking saves the place and font size."""
        self.locked = locked
        self.tools.setVisible(not locked)
        self._update_input()
        self._apply_style()
        if locked:
            self._memory.save_overlay(self.geometry(), self.font_pt)
        self.lock_changed.emit(locked)

    def set_font_pt(self, points: int) -> None:
        self.font_pt = max(8, min(72, points))
        self._apply_style()
        self._memory.save_overlay(self.geometry(), self.font_pt)

    def _update_input(self) -> None:
        transparent = self.locked and not self.prompt_open
        if transparent == self.input_transparent:
            return
        visible = self.isVisible()
        self.setWindowFlag(Qt.WindowType.WindowTransparentForInput, transparent)  # hides the window
        if visible:
            self.show()

    def _apply_style(self) -> None:
        border = "1px dashed rgba(255,255,255,0.6)" if not self.locked else "none"
        self.setStyleSheet(
            f"#captionOverlay {{ background: transparent; }}"
            f"QLabel {{ font-size: {self.font_pt}pt; color: white; background: rgba(10,12,18,0.72);"
            f" border-radius: 8px; padding: 6px 10px; border: {border}; }}"
        )

    def _place(self) -> None:
        saved = self._memory.overlay_geometry()
        if saved is not None and _on_a_screen(saved):
            self.setGeometry(saved)
            return
        screen = QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 800)
        width = min(900, int(area.width() * 0.7))
        self.setGeometry(area.x() + (area.width() - width) // 2, area.bottom() - 220, width, 180)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self.locked and event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = event.globalPosition().toPoint() - self.frameGeometry().topLeft()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None and not self.locked:
            self.move(event.globalPosition().toPoint() - self._drag_from)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            self._drag_from = None
            self._memory.save_overlay(self.geometry(), self.font_pt)
        super().mouseReleaseEvent(event)

    # --- prompts ----------------------------------------------------------------------------------------

    def show_prompt(self, title: str, text: str, actions: Mapping[str, str]) -> int:
        """Show a question with one button per ``actions`` item (id → label) and take clicks until one is
        pressed; returns the key :attr:`prompt_answered` will carry. A new prompt replaces an open one."""
        self._clear_prompt_buttons()
        self._prompt_key += 1
        key = self._prompt_key
        self.prompt_title.setText(f"<b>{title}</b>")
        self.prompt_text.setText(text)
        for action_id, label in actions.items():
            button = QPushButton(label)
            button.setObjectName(f"prompt-{action_id}")
            button.clicked.connect(lambda _checked=False, a=action_id, k=key: self._answer(k, a))
            self.prompt_buttons.addWidget(button)
        self.prompt_open = True
        self._show_prompt_widgets(True)
        self._update_input()
        self.show()
        return key

    def prompt_button(self, action_id: str) -> QPushButton | None:
        """The open prompt's button for ``action_id`` (tests press it)."""
        return self.findChild(QPushButton, f"prompt-{action_id}")

    @property
    def prompt_key(self) -> int:
        """The key of the latest prompt (the open one while :attr:`prompt_open`)."""
        return self._prompt_key

    def close_prompt(self) -> None:
        """Take the open prompt away unanswered (the question was answered elsewhere or withdrawn)."""
        self.prompt_open = False
        self._clear_prompt_buttons()
        self._show_prompt_widgets(False)
        self._update_input()

    def _answer(self, key: int, action_id: str) -> None:
        if key != self._prompt_key or not self.prompt_open:
            return
        self.close_prompt()
        self.prompt_answered.emit(key, action_id)

    def _clear_prompt_buttons(self) -> None:
        while self.prompt_buttons.count():
            item = self.prompt_buttons.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def _show_prompt_widgets(self, shown: bool) -> None:
        self.prompt_title.setVisible(shown)
        self.prompt_text.setVisible(shown)


def _on_a_screen(rect: QRect) -> bool:
    return any(screen.availableGeometry().intersects(rect) for screen in QGuiApplication.screens())
