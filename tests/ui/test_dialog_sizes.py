"""The dialogs and the banners at small and large sizes: nothing overlaps, nothing loses text, the buttons
that close a dialog are always in sight, and both dialogs fit a screen 800 pixels wide and 600 high.

Every page of the settings dialog and the history panel are checked at their minimum size, at 800×560
and at 1280×800 with :func:`tests.ui.layout_check.layout_problems` (the main window's check); the window
with the demo and the connection-problem banners at 800×560. The pictures go to
``tests/ui/artifacts/`` for a person to look at.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.bench.window_rig import XvfbDisplay
from desktop_app.config import Settings
from desktop_app.controller_api import StoredKey, ToolInfo
from desktop_app.core.error_wording import wording_for
from desktop_app.history import history_dir
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.secrets import KeyLocation
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.dialog_size import TITLE_BAR
from desktop_app.ui.history_dialog import HistoryDialog
from desktop_app.ui.settings_dialog import MINIMUM_SIZE, SettingsDialog
from desktop_app.ui.settings_fields import SettingsPage
from tests.ui.conftest import Harness
from tests.ui.fake_tools import default_specs
from tests.ui.history_sessions import a_week_of_history
from tests.ui.layout_check import layout_problems
from tests.ui.test_layout_sizes import ARTIFACTS, ROOT
from tests.ui.ui_walk import fill_window

SIZES = [(800, 560), (1280, 800)]
SMALL_SCREEN = QSize(800, 600 - 40 - TITLE_BAR)  # an 800×600 screen, less a panel and a title bar
LONG_NAME = "Planning the trip to Lisbon with the kids in spring, the trains, the hotel and the museums"


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[CommandRunner]:
    loop = LoopThread("dialog-sizes-loop")
    loop.start()
    yield CommandRunner(loop)
    loop.stop()


def _settings_dialog(qtbot: QtBot, runner: CommandRunner) -> SettingsDialog:
    """The dialog with every row it can show: a saved key, the tools of a run, a pending reconnect note."""
    tools = [ToolInfo(s.name, s.description, s.risk, s.policy, s.policy, s.source) for s in default_specs()]
    stored = StoredKey(
        "AIza-test-key-1234", KeyLocation.FILE, "No keyring here: the key is in a private file."
    )
    dialog = SettingsDialog(
        Settings(backend="emulator", video_source=None), runner, stored_key=stored, env_key=True, tools=tools
    )
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.gemini.voice.setCurrentIndex(dialog.gemini.voice.currentIndex() + 1)  # "…starts a new session"
    assert dialog.reconnect_note.text()
    return dialog


def _resize(qtbot: QtBot, widget: QWidget, size: QSize) -> None:
    widget.resize(size)
    qtbot.waitUntil(lambda: widget.size() == size)
    QApplication.processEvents()


def _in_sight(widget: QWidget, top: QWidget) -> bool:
    """Shown, and whole inside ``top`` (not scrolled away, not cut at an edge)."""
    box = QRect(widget.mapTo(top, QPoint(0, 0)), widget.size())
    return widget.isVisible() and top.rect().contains(box)


def test_both_dialogs_fit_a_small_screen(qtbot: QtBot, runner: CommandRunner) -> None:
    settings = _settings_dialog(qtbot, runner)
    history = HistoryDialog(runner)
    qtbot.addWidget(history)
    for dialog in (settings, history):
        minimum, hint = dialog.minimumSize(), dialog.minimumSizeHint()
        assert minimum.width() <= SMALL_SCREEN.width() and minimum.height() <= SMALL_SCREEN.height()
        assert hint.width() <= minimum.width() and hint.height() <= minimum.height(), (
            f"{type(dialog).__name__} needs {hint.width()}×{hint.height()}, more than its minimum"
        )
    assert settings.minimumSize() == MINIMUM_SIZE


@pytest.mark.parametrize(("width", "height"), [(MINIMUM_SIZE.width(), MINIMUM_SIZE.height()), *SIZES])
def test_every_settings_page_fits_with_save_in_sight(
    qtbot: QtBot, runner: CommandRunner, width: int, height: int
) -> None:
    dialog = _settings_dialog(qtbot, runner)
    _resize(qtbot, dialog, QSize(width, height))
    ARTIFACTS.mkdir(exist_ok=True)
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        page = dialog.tabs.currentWidget()
        assert isinstance(page, SettingsPage)
        qtbot.waitUntil(lambda page=page: page.body.width() > 0)
        QApplication.processEvents()
        name = dialog.tabs.tabText(index).replace("&&", "and").replace(" ", "-").lower()
        assert dialog.grab().save(str(ARTIFACTS / f"settings-{name}-{width}x{height}.png"))
        assert layout_problems(dialog) == [], name
        assert page.body.width() <= page.viewport().width(), f"{name}: rows cut at the right"
        for button in (dialog.save_button, dialog.reconnect_note):
            assert _in_sight(button, dialog), f"{name}: {button.text()!r} is out of sight"


def test_a_page_taller_than_the_dialog_scrolls_to_the_focused_field(
    qtbot: QtBot, runner: CommandRunner
) -> None:
    dialog = _settings_dialog(qtbot, runner)
    _resize(qtbot, dialog, MINIMUM_SIZE)
    dialog.tabs.setCurrentWidget(dialog.devices)
    page = dialog.devices
    qtbot.waitUntil(lambda: page.verticalScrollBar().maximum() > 0)  # taller than the dialog: it scrolls
    last = page.barge_in  # the page's last row
    page.verticalScrollBar().setValue(0)
    QApplication.processEvents()
    assert not _in_sight(last, page.viewport())
    last.setFocus()
    qtbot.waitUntil(lambda: last.hasFocus() and _in_sight(last, page.viewport()))
    assert _in_sight(dialog.save_button, dialog)


@pytest.mark.parametrize(("width", "height"), [(780, 460), *SIZES])
def test_the_history_panel_fits(harness: Harness, width: int, height: int) -> None:
    """The widest content it shows: a recording (one more button), a long name, a search typed."""
    now = datetime.now().astimezone().replace(hour=14, minute=3, second=0, microsecond=0)
    sessions = a_week_of_history(history_dir(), now)
    sessions["today"].with_suffix(".wav").write_bytes(b"")
    dialog = harness.window.open_history()
    harness.wait(lambda: dialog.session is not None and dialog.session.path == sessions["today"])
    assert dialog.recording_button.isVisible()
    dialog.session_title.setText(LONG_NAME)  # as a renamed conversation's title
    _resize(harness.qtbot, dialog, QSize(width, height))
    ARTIFACTS.mkdir(exist_ok=True)
    assert dialog.grab().save(str(ARTIFACTS / f"history-{width}x{height}.png"))
    assert layout_problems(dialog) == []
    for button in (dialog.rename_button, dialog.delete_button, dialog.export_md, dialog.recording_button):
        assert _in_sight(button, dialog), button.text()
    dialog.close()


def test_the_demo_banner_makes_way_for_a_connection_problem(harness: Harness) -> None:
    w = harness.window
    fill_window(harness)  # the offline demo's banner, a conversation
    _resize(harness.qtbot, w, QSize(800, 560))
    wording = wording_for("live_error")
    assert wording is not None
    w.error_banner.show_problem(wording, "1011 internal error")
    harness.wait(lambda: w.error_banner.isVisible() and not w.banner.isVisible())
    QApplication.processEvents()
    ARTIFACTS.mkdir(exist_ok=True)
    assert w.grab().save(str(ARTIFACTS / "window-both-banners-800x560.png"))
    assert layout_problems(w) == []
    w.error_banner.show_problem(wording, "a second failure")  # a newer problem: still one banner
    assert not w.banner.isVisible()
    w.error_banner.resolve()
    harness.wait(lambda: w.banner.isVisible() and not w.error_banner.isVisible())
    assert layout_problems(w) == []


@pytest.mark.parametrize(("width", "height"), [(800, 600), (1280, 800)])
def test_on_a_real_x_server_the_dialogs_open_on_screen(width: int, height: int, tmp_path: Path) -> None:
    """Each dialog as the app opens it on an Xvfb screen of that size: on screen whole, Save in sight, no
    layout problem; the pictures are grabbed from X."""
    with XvfbDisplay(width, height) as xvfb:
        env = {**os.environ, "DISPLAY": xvfb.display, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
        run = subprocess.run(
            [sys.executable, "-m", "tests.ui.dialog_shots", str(tmp_path)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["platform"] == "xcb" and report["screen"] == [width, height], report
    settings, history = report.pop("settings"), report.pop("history")
    for dialog in (settings, history):
        assert dialog["on_screen"], dialog
    assert history["problems"] == []
    pages = {name: page for name, page in settings.items() if isinstance(page, dict)}
    assert len(pages) == 7
    for name, page in pages.items():
        assert page == {"problems": [], "save_on_screen": True}, name
    ARTIFACTS.mkdir(exist_ok=True)
    for shot in tmp_path.glob("*.png"):
        (ARTIFACTS / f"xvfb-{shot.stem}-{width}x{height}.png").write_bytes(shot.read_bytes())
