"""The window on a real X server, for tests/ui/test_layout_sizes.py: ``python -m tests.ui.layout_shots OUT``.

Run with ``DISPLAY`` set to an Xvfb screen and ``QT_QPA_PLATFORM=xcb``. It builds the window as the tests'
harness does (a recording controller on a real loop thread), gives it a busy session's content, resizes it
to fill the screen, and writes ``OUT/window.png`` (grabbed from the X server, so what a user would see) and
``OUT/report.json``: the window's size, the screen's, the minimum size and every layout problem found
(:func:`tests.ui.layout_check.layout_problems`). It exits 0 whenever it wrote the report.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from desktop_app.config import Settings
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.secrets import KeyStore
from desktop_app.ui.theme import apply_theme
from desktop_app.ui.window_app import WindowApp
from desktop_app.ui.window_memory import WindowMemory
from desktop_app.ui.window_ports import WindowPorts
from tests.ui.fake_controller import RecordingController
from tests.ui.layout_check import layout_problems
from tests.ui.ui_walk import Driver, fill_window


def main(out: Path) -> int:
    app = QApplication([sys.argv[0]])
    apply_theme(app)
    loop = LoopThread("layout-loop")
    controllers: list[RecordingController] = []

    def factory(settings: Settings, publish: object) -> RecordingController:
        controllers.append(RecordingController(settings, publish, loop))  # type: ignore[arg-type]
        return controllers[-1]

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        window_app = WindowApp(
            Settings(backend="emulator", video_source=None),
            factory,
            WindowPorts(
                key_store=KeyStore(folder),
                memory=WindowMemory(folder / "window.ini"),
                monitor_lister=lambda: [],
            ),
            loop=loop,
        )
        window_app.start()
        driver = Driver(window_app.window, lambda *events: controllers[-1].emit(*events))
        driver.wait(lambda: bool(controllers) and controllers[-1].names()[:1] == ["start"])
        window = window_app.window
        fill_window(driver)
        screen = window.screen() or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        window.setGeometry(area)
        driver.wait(lambda: window.size() == area.size() or window.size() == window.minimumSize())
        QApplication.processEvents()
        frame = window.frameGeometry()
        shot = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
        out.mkdir(parents=True, exist_ok=True)
        shot.save(str(out / "window.png"))
        report = {
            "platform": QGuiApplication.platformName(),
            "screen": [area.width(), area.height()],
            "window": [window.width(), window.height()],
            "minimum": [window.minimumWidth(), window.minimumHeight()],
            "problems": layout_problems(window),
        }
        (out / "report.json").write_text(json.dumps(report, indent=1))
        window.close()  # asks the controller and the loop to stop, in order
        driver.wait(lambda: window_app.done, timeout=15_000)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
