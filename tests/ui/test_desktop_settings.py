"""The Desktop settings page, the autostart entry, and the instance flags of the command line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.cli import main
from desktop_app.config import Settings
from desktop_app.ui.autostart import autostart_path, desktop_entry, is_autostart_enabled, set_autostart
from desktop_app.ui.settings_desktop import DesktopPage
from tests.ui.desktop_harness import runtime_dir  # noqa: F401


def test_the_desktop_page_round_trips_its_settings(qtbot: QtBot) -> None:
    page = DesktopPage()
    qtbot.addWidget(page)
    settings = replace(
        Settings(),
        push_to_talk=True,
        talk_shortcut="F9",
        mute_shortcut="Ctrl+Shift+M",
        close_to_tray=True,
        caption_overlay=True,
        autostart=True,
        global_shortcuts=False,
    )
    page.load(settings)
    assert replace(Settings(), **page.values()) == settings
    page.set_status("Hold F9 to talk from any application.")
    assert page.status.text() == "Hold F9 to talk from any application."


def test_a_bad_key_is_explained_on_the_page(qtbot: QtBot) -> None:
    page = DesktopPage()
    qtbot.addWidget(page)
    page.load(Settings())
    page.talk_shortcut.setText("Hyper+Q")
    page.talk_shortcut.textEdited.emit("Hyper+Q")
    assert not page.key_error.isHidden() and "not a modifier" in page.key_error.text()


def test_autostart_entry_is_written_and_removed(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    path = set_autostart(True, env, command=["/opt/gld/bin/gemini-live-desktop"])
    assert path == tmp_path / "autostart" / "gemini-live-desktop.desktop" == autostart_path(env)
    text = path.read_text()
    assert "Exec=/opt/gld/bin/gemini-live-desktop\n" in text and "Type=Application" in text
    assert is_autostart_enabled(env)
    set_autostart(False, env)
    assert not path.exists() and not is_autostart_enabled(env)
    assert "Exec=" in desktop_entry()


def test_instance_flags_without_a_running_window_exit_1_with_a_line(
    runtime_dir: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--toggle-mute"]) == 1
    assert "no Gemini Live window is running" in capsys.readouterr().err
    assert main(["--push-to-talk", "start"]) == 1
    with pytest.raises(SystemExit):
        main(["--push-to-talk", "hold"])
