"""The tray's state and menu, close-to-tray, and the instance commands, driving the real window."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.config import Settings
from desktop_app.controller_api import ConsentAnswer
from desktop_app.core.app_events import BackendInfo, InputState
from desktop_app.core.events import SessionPhase, SessionState
from desktop_app.secrets import KeyStore
from desktop_app.ui.autostart import autostart_path
from desktop_app.ui.desktop_presence import TRAY_NOTICE
from desktop_app.ui.tool_view import CardState, ConsentPrompt
from desktop_app.ui.tray import TrayState, tray_state
from tests.ui.desktop_harness import DesktopHarness, desktop_app, runtime_dir  # noqa: F401

P = SessionPhase
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")  # raise() etc. offscreen


@pytest.mark.parametrize(
    ("phase", "muted", "offline", "state"),
    [
        (None, False, False, TrayState.STARTING),
        (P.CONNECTING, True, False, TrayState.STARTING),
        (P.LIVE, False, False, TrayState.LIVE),
        (P.LIVE, False, True, TrayState.OFFLINE_DEMO),
        (P.LIVE, True, True, TrayState.MUTED),
        (P.RECONNECTING, True, False, TrayState.RECONNECTING),
        (P.CLOSED, False, True, TrayState.CLOSED),
    ],
)
def test_tray_state(phase: SessionPhase | None, muted: bool, offline: bool, state: TrayState) -> None:
    assert tray_state(phase, muted, offline) is state


@pytest.fixture
def desk(
    qtbot: QtBot,
    settings: Settings,
    key_store: KeyStore,
    tmp_path: Path,
    runtime_dir: Path,  # noqa: F811
) -> Iterator[DesktopHarness]:
    yield from desktop_app(qtbot, settings, key_store, tmp_path, lock=None)


def test_without_a_system_tray_it_says_so_and_close_still_quits(desk: DesktopHarness, qtbot: QtBot) -> None:
    tray = desk.presence.tray
    assert tray.available is False  # offscreen, like Xvfb: no tray host
    assert not tray.icon.isVisible()
    desk.window.apply_settings(replace(desk.window.settings, close_to_tray=True))
    with qtbot.waitSignal(desk.app.finished, timeout=10_000):
        desk.window.close()
    assert desk.app.done


def test_the_tray_follows_the_events_the_window_shows(desk: DesktopHarness) -> None:
    tray = desk.presence.tray
    desk.emit(BackendInfo("emulator", "m", notice="Offline demo"), SessionState(SessionPhase.LIVE))
    desk.wait(lambda: tray.state is TrayState.OFFLINE_DEMO)
    assert tray.status_action.text() == "Offline demo" and "Offline demo" in tray.icon.toolTip()
    desk.emit(InputState(mic_muted=True, push_to_talk=True))
    desk.wait(lambda: tray.state is TrayState.MUTED)
    assert desk.window.settings.push_to_talk, "the settings dialog starts from the saved push-to-talk"
    assert tray.mute_action.isChecked() and tray.ptt_action.isChecked()
    desk.emit(SessionState(SessionPhase.RECONNECTING))
    desk.wait(lambda: tray.state is TrayState.RECONNECTING)


def test_the_tray_menu_actions_work(desk: DesktopHarness, qtbot: QtBot) -> None:
    tray = desk.presence.tray
    tray.mute_action.trigger()
    desk.wait_call("set_mic_muted", True)
    desk.wait(lambda: desk.window.input_state.mic_muted)
    tray.mute_action.trigger()
    desk.wait_call("set_mic_muted", False)
    tray.ptt_action.trigger()
    desk.wait_call("set_push_to_talk", True)
    assert desk.window.isVisible()
    tray.show_action.trigger()
    assert not desk.window.isVisible() and tray.show_action.text() == "Show window"
    tray.show_action.trigger()
    assert desk.window.isVisible() and tray.show_action.text() == "Hide window"
    tray.overlay_action.trigger()
    assert desk.presence.overlay.isVisible()
    tray.unlock_action.trigger()
    assert not desk.presence.overlay.locked and not desk.presence.overlay.input_transparent
    desk.presence.overlay.lock_button.click()
    assert desk.presence.overlay.input_transparent
    desk.wait(lambda: desk.controller.last("apply_settings") is not None)
    assert desk.controller.last("apply_settings")[0].caption_overlay is True  # type: ignore[index]
    with qtbot.waitSignal(desk.app.finished, timeout=10_000):
        tray.quit_action.trigger()


def test_close_to_tray_hides_the_window_with_a_notice_only_the_first_time(
    desk: DesktopHarness, qtbot: QtBot
) -> None:
    desk.presence.tray.available = True  # as with a tray host; the icon itself is not shown offscreen
    desk.window.apply_settings(replace(desk.window.settings, close_to_tray=True))
    desk.window.close()
    assert not desk.window.isVisible() and not desk.app.done
    assert TRAY_NOTICE in " ".join(n.text for n in desk.window.notices.notices())
    assert desk.presence.memory.tray_notice_shown
    desk.presence.run_command("show")
    assert desk.window.isVisible()
    before = len(desk.window.notices.history)
    desk.window.close()
    assert not desk.window.isVisible()
    assert all(TRAY_NOTICE not in str(item) for item in desk.window.notices.history[before:])
    with qtbot.waitSignal(desk.app.finished, timeout=10_000):
        desk.presence.run_command("quit")


def test_instance_commands_drive_the_window(desk: DesktopHarness) -> None:
    desk.presence.run_command("toggle-mute")
    desk.wait_call("set_mic_muted", True)
    desk.presence.run_command("push-to-talk start")
    desk.presence.run_command("push-to-talk start")  # a repeat: ignored
    desk.presence.run_command("push-to-talk stop")
    desk.wait(lambda: desk.controller.names().count("talk") == 2)
    names = [n for n in desk.controller.names() if n in ("set_push_to_talk", "talk")]
    assert names == ["set_push_to_talk", "talk", "talk"], "push-to-talk switched on first, in order"
    assert [desk.controller.calls[i][1] for i, (n, _) in enumerate(desk.controller.calls) if n == "talk"] == [
        (True,),
        (False,),
    ]


def test_a_gave_up_reconnect_is_notified_when_the_window_is_not_in_front(desk: DesktopHarness) -> None:
    desk.window.hide()
    desk.emit(
        SessionState(SessionPhase.RECONNECTING), SessionState(SessionPhase.CLOSED, "Gave up after 5 tries.")
    )
    desk.wait(lambda: "Gave up after 5 tries." in " ".join(str(i) for i in desk.window.notices.history))
    assert desk.presence.notifier.via == "fallback"  # no session bus here: a notice, honestly


def test_autostart_follows_the_setting(desk: DesktopHarness) -> None:
    path = autostart_path()
    assert not path.exists()
    desk.window.apply_settings(replace(desk.window.settings, autostart=True))
    assert path.is_file() and "Exec=" in path.read_text()
    desk.window.apply_settings(replace(desk.window.settings, autostart=False))
    assert not path.exists()


def test_consent_while_hidden_is_asked_on_the_overlay_and_in_a_notification(
    desk: DesktopHarness, qtbot: QtBot
) -> None:
    presence = desk.presence
    presence.window.activateWindow()
    desk.window.hide()
    asked = presence.consent_prompt(
        "Allow “search”?", "Gemini wants to search.", {"allow": "Allow", "deny": "No"}
    )
    assert asked is not None and presence.overlay.isVisible() and presence.overlay.prompt_open
    assert any("Allow “search”?" in str(item) for item in desk.window.notices.history), "the fallback notice"
    button = presence.overlay.prompt_button("allow")
    assert button is not None
    with qtbot.waitSignal(presence.prompt_answered) as answered:
        button.click()
    assert answered.args == [asked, "allow"]


def test_the_caption_key_in_the_window_toggles_the_overlay(desk: DesktopHarness) -> None:
    desk.presence.overlay_shortcut.activated.emit()
    assert desk.presence.overlay.isVisible()
    desk.presence.overlay_shortcut.activated.emit()
    assert not desk.presence.overlay.isVisible()


def _card(call_id: str) -> ConsentPrompt:
    return ConsentPrompt(
        call_id, "search", "Searches the web.", "sends something beyond this computer", "q=x", 30
    )


def test_a_tool_consent_card_is_asked_on_the_overlay_while_the_window_is_hidden(desk: DesktopHarness) -> None:
    presence, tools = desk.presence, desk.window.tools
    desk.window.hide()
    tools.show_card(_card("call-1"))
    assert presence.overlay.prompt_open and "search" in presence.overlay.prompt_title.text()
    assert [c.call_id for c in desk.window.transcript.open_cards()] == ["call-1"]
    button = presence.overlay.prompt_button(ConsentAnswer.DENY.value)
    assert button is not None
    button.click()
    assert desk.window.transcript.open_cards() == [], "the overlay's answer settled the window's card"
    assert not presence.overlay.prompt_open


def test_a_card_settled_in_the_window_takes_the_overlay_question_away(desk: DesktopHarness) -> None:
    presence, tools = desk.presence, desk.window.tools
    desk.window.hide()
    tools.show_card(_card("call-2"))
    assert presence.overlay.prompt_open
    tools.settle("call-2", CardState.TIMED_OUT)
    assert not presence.overlay.prompt_open


def test_with_the_window_in_front_the_card_is_asked_there_only(desk: DesktopHarness) -> None:
    desk.window.activateWindow()
    desk.wait(desk.window.isActiveWindow)
    desk.window.tools.show_card(_card("call-3"))
    assert not desk.presence.overlay.prompt_open
