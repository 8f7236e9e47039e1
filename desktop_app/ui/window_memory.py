"""Remembering the window's geometry and splitter positions between runs, beside settings.json, and whether
the user dismissed the offline-demo banner.

Stored with QSettings in INI form at ``<config dir>/window.ini`` (so ``GLD_CONFIG_DIR`` moves it too, and
tests never touch the user's real files). A saved geometry that no longer fits any screen is ignored.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QSplitter

from desktop_app.controller_api import config_dir

__all__ = ["WindowMemory"]


class WindowMemory:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "window.ini"

    def _store(self) -> QSettings:
        return QSettings(str(self.path), QSettings.Format.IniFormat)

    def restore(self, window: QMainWindow, splitter: QSplitter) -> bool:
        """Apply the saved geometry; False when there was none (or it did not fit any screen)."""
        store = self._store()
        geometry = store.value("window/geometry")
        restored = False
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            restored = window.restoreGeometry(geometry)
            if restored and not _on_some_screen(window):
                restored = False
        state = store.value("window/splitter")
        if isinstance(state, QByteArray) and not state.isEmpty():
            splitter.restoreState(state)
        return restored

    @property
    def demo_banner_dismissed(self) -> bool:
        return str(self._store().value("first_run/demo_banner_dismissed", "false")).lower() == "true"

    def dismiss_demo_banner(self) -> None:
        """The user hid the offline-demo banner: keep it hidden on later runs."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        store = self._store()
        store.setValue("first_run/demo_banner_dismissed", "true")
        store.sync()

    def save(self, window: QMainWindow, splitter: QSplitter) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        store = self._store()
        store.setValue("window/geometry", window.saveGeometry())
        store.setValue("window/splitter", splitter.saveState())
        store.sync()


def _on_some_screen(window: QMainWindow) -> bool:
    frame = window.frameGeometry()
    return any(screen.availableGeometry().intersects(frame) for screen in QGuiApplication.screens())
