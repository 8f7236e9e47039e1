"""The dialogs on a real X server, for tests/ui/test_dialog_sizes.py: ``python -m tests.ui.dialog_shots OUT``.

Run with ``DISPLAY`` set to an Xvfb screen and ``QT_QPA_PLATFORM=xcb``. It opens the settings dialog (every
page in turn) and the history panel as the app does, at the size they choose for that screen, and writes
``OUT/settings-<page>.png`` and ``OUT/history.png`` (grabbed from the X server: what a user would see) and
``OUT/report.json``: the screen's size, each dialog's geometry and minimum, whether Save shows whole on
screen, and every layout problem found (:func:`tests.ui.layout_check.layout_problems`). It exits 0
whenever it wrote the report.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from desktop_app.config import Settings
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.history_dialog import HistoryDialog
from desktop_app.ui.settings_dialog import SettingsDialog
from desktop_app.ui.theme import apply_theme
from tests.ui.layout_check import layout_problems
from tests.ui.ui_walk import Driver


def _settle(driver: Driver, dialog: QDialog) -> None:
    handle = dialog.windowHandle
    driver.wait(lambda: dialog.isVisible() and handle() is not None and handle().isExposed())
    for _ in range(3):
        QApplication.processEvents()


def _shot(screen: QScreen, dialog: QWidget, path: Path) -> None:
    frame = dialog.frameGeometry()
    screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height()).save(str(path))


def _on_screen(widget: QWidget, area: QRect) -> bool:
    return area.contains(QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size()))


def _about(dialog: QDialog, area: QRect) -> dict[str, Any]:
    frame = dialog.frameGeometry()
    return {
        "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
        "minimum": [dialog.minimumWidth(), dialog.minimumHeight()],
        "on_screen": area.contains(frame),
    }


def main(out: Path) -> int:
    app = QApplication([sys.argv[0]])
    apply_theme(app)
    loop = LoopThread("dialog-shots-loop")
    loop.start()
    runner = CommandRunner(loop)
    screen = QGuiApplication.primaryScreen()
    area = screen.availableGeometry()
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "platform": QGuiApplication.platformName(),
        "screen": [area.width(), area.height()],
    }
    settings = SettingsDialog(Settings(backend="emulator", video_source=None), runner)
    settings.open()
    driver = Driver(settings, lambda *_events: None)
    _settle(driver, settings)
    report["settings"] = _about(settings, area)
    for index in range(settings.tabs.count()):
        settings.tabs.setCurrentIndex(index)
        _settle(driver, settings)
        name = settings.tabs.tabText(index).replace("&&", "and").replace(" ", "-").lower()
        _shot(screen, settings, out / f"settings-{name}.png")
        report["settings"][name] = {
            "problems": layout_problems(settings),
            "save_on_screen": _on_screen(settings.save_button, area),
        }
    settings.reject()
    history = HistoryDialog(runner)
    history.show()
    _settle(driver, history)
    driver.wait(lambda: history.refresh_button.isEnabled())  # the (empty) list was read
    _shot(screen, history, out / "history.png")
    report["history"] = _about(history, area) | {"problems": layout_problems(history)}
    history.close()
    (out / "report.json").write_text(json.dumps(report, indent=1))
    loop.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
