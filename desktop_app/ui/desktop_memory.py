"""What the desktop presence remembers between runs: the caption overlay's place and font size, and
whether the one-time "still running in the tray" notice was shown.

QSettings in INI form at ``<config dir>/desktop.ini`` (``GLD_CONFIG_DIR`` moves it, so tests never touch
the user's files). Not settings: nothing here needs the settings dialog or a restart.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSettings

from desktop_app.controller_api import config_dir

__all__ = ["DesktopMemory"]

DEFAULT_FONT_PT = 16


class DesktopMemory:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "desktop.ini"

    def _store(self) -> QSettings:
        return QSettings(str(self.path), QSettings.Format.IniFormat)

    def overlay_geometry(self) -> QRect | None:
        value = self._store().value("overlay/geometry")
        return value if isinstance(value, QRect) and value.isValid() else None

    def overlay_font_pt(self) -> int:
        value = self._store().value("overlay/font_pt", DEFAULT_FONT_PT)
        try:
            return max(8, min(72, int(str(value))))
        except ValueError:
            return DEFAULT_FONT_PT

    def save_overlay(self, geometry: QRect, font_pt: int) -> None:
        self._write({"overlay/geometry": geometry, "overlay/font_pt": font_pt})

    @property
    def tray_notice_shown(self) -> bool:
        return str(self._store().value("tray/notice_shown", "false")).lower() == "true"

    def mark_tray_notice_shown(self) -> None:
        self._write({"tray/notice_shown": "true"})

    def _write(self, values: dict[str, object]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        store = self._store()
        for key, value in values.items():
            store.setValue(key, value)
        store.sync()
