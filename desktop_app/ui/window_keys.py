"""The main window's keyboard: its shortcuts, the shortcut sheet, the push-to-talk key and Tab.

:class:`WindowKeys` makes a QShortcut for each key of each :data:`~desktop_app.ui.shortcut_keys.BOUND`
entry, running the window's action of that name (every bound entry needs one: a KeyError otherwise), opens
the shortcut sheet (:meth:`WindowKeys.open_sheet`, F1 or Ctrl+/), and filters the application's key
events for two things: Space held outside a text box is push-to-talk while ``push_to_talk()`` says so
(``talk(True)`` on press, ``talk(False)`` on release, auto-repeat swallowed), and before each Tab or
Shift+Tab the focus order of the window concerned is brought in line with its layout
(:func:`~desktop_app.ui.tab_order.follow_reading_order`). Call :meth:`WindowKeys.stop` when the window
closes for good (it removes the application-wide filter).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from desktop_app.controller_api import Settings
from desktop_app.ui.shortcut_keys import BOUND, keys_of
from desktop_app.ui.shortcut_sheet import ShortcutSheet
from desktop_app.ui.tab_order import follow_reading_order

__all__ = ["WindowKeys"]

_TEXT_INPUTS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox, QComboBox)
_TALK_KEY = QKeySequence(keys_of("talk")[0])[0].key()  # type: ignore[index]
_TABS = (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)


class WindowKeys(QObject):
    """See the module docstring. ``push_to_talk`` says whether Space talks now; ``talk`` sends it."""

    def __init__(
        self,
        window: QWidget,
        actions: Mapping[str, Callable[[], object]],
        *,
        push_to_talk: Callable[[], bool],
        talk: Callable[[bool], None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._push_to_talk = push_to_talk
        self._talk = talk
        self._talk_key_down = False
        self.sheet: ShortcutSheet | None = None
        self.shortcuts: dict[str, QShortcut] = {}
        """Each QShortcut by its key's portable text ("Ctrl+Shift+H")."""
        for entry in BOUND:
            for key in entry.keys:
                sequence = QKeySequence(key)
                shortcut = QShortcut(sequence, window)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(actions[entry.action])
                self.shortcuts[sequence.toString()] = shortcut
        QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]

    def open_sheet(self, settings: Settings) -> ShortcutSheet:
        """Show the list of shortcuts (with ``settings``' global keys), or bring it forward; returns it."""
        sheet = self.sheet
        if sheet is None or not shiboken6.isValid(sheet):
            sheet = ShortcutSheet(settings, parent=self._window)
            sheet.finished.connect(sheet.deleteLater)
            self.sheet = sheet
        sheet.show()
        sheet.activateWindow()
        return sheet

    def stop(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) or not isinstance(event, QKeyEvent):
            return False
        if self._talk_key(event):
            return True
        if kind == QEvent.Type.KeyPress and event.key() in _TABS and isinstance(watched, QWidget):
            follow_reading_order(watched.window())
        return False

    def _talk_key(self, event: QKeyEvent) -> bool:
        if event.key() != _TALK_KEY or event.modifiers() != Qt.KeyboardModifier.NoModifier:
            return False
        if not self._push_to_talk() or not self._window.isActiveWindow():
            return False
        if isinstance(QApplication.focusWidget(), _TEXT_INPUTS):
            return False
        if event.isAutoRepeat():
            return True
        pressed = event.type() == QEvent.Type.KeyPress
        if pressed != self._talk_key_down:
            self._talk_key_down = pressed
            self._talk(pressed)
        return True
