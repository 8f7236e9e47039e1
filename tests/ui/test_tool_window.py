"""Tools in the window, against the real tool runtime on the loop thread: consent cards (buttons, keys,
timeout, cancellation, focus), tool lines, the Qt clipboard and browser ports, and search source chips."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from pytestqt.qtbot import QtBot

from desktop_app.config import Settings
from desktop_app.controller_api import ConsentAnswer, ToolError
from desktop_app.core.events import Grounding, GroundingSource, Role, Transcript
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.secrets import KeyStore
from desktop_app.tools.spec import Policy
from desktop_app.ui.tool_view import CardState
from desktop_app.ui.widgets.consent_card import SHORTCUTS, ConsentCard
from desktop_app.ui.window_app import WindowApp
from desktop_app.ui.window_memory import WindowMemory
from desktop_app.ui.window_ports import WindowPorts
from tests.ui.conftest import Harness
from tests.ui.fake_tools import ToolController

_LETTERS = {
    ConsentAnswer.ALLOW_ONCE: Qt.Key.Key_A,
    ConsentAnswer.ALWAYS: Qt.Key.Key_W,
    ConsentAnswer.DENY: Qt.Key.Key_D,
}


@pytest.fixture
def consent_s() -> float:
    """The runtime's consent timeout (a test parametrizes it to see a card time out)."""
    return 30.0


@pytest.fixture
def tools(qtbot: QtBot, key_store: KeyStore, tmp_path: Path, consent_s: float) -> Iterator[Harness]:
    """The window with a controller that runs tools."""
    loop = LoopThread("test-loop")

    def factory(s: Settings, publish: Any) -> ToolController:
        controller = ToolController(s, publish, loop)
        controller.consent_timeout_s = consent_s
        return controller

    app = WindowApp(
        Settings(backend="emulator", video_source=None),
        factory,
        WindowPorts(
            key_store=key_store,
            memory=WindowMemory(tmp_path / "window.ini"),
            monitor_lister=lambda: [],
        ),
        loop=loop,
    )
    app.start()
    h = Harness(app, qtbot)
    h.wait(lambda: app.controller is not None and "start" in h.controller.names())
    h.wait(lambda: bool(app.window.tools.specs))
    try:
        yield h
    finally:
        h.close()
        app.window.deleteLater()
        assert "test-loop" not in {t.name for t in threading.enumerate()}


def _ctl(h: Harness) -> ToolController:
    assert isinstance(h.controller, ToolController)
    return h.controller


def _run(h: Harness, coro: Any) -> Any:
    """Run a port's coroutine on the loop thread while the Qt thread keeps turning (it must answer)."""
    future = _ctl(h).loop.submit(coro)
    h.wait(future.done)
    return future.result()


def _card(h: Harness, call_id: str = "c1") -> ConsentCard:
    h.wait(lambda: call_id in h.window.transcript_view.cards())
    return h.window.transcript_view.cards()[call_id]


def test_the_window_gives_the_controller_its_desk_and_ports_and_lists_the_tools(tools: Harness) -> None:
    names = _ctl(tools).names()
    assert names.index("set_consent") < names.index("start")
    assert "set_desktop_ports" in names
    assert [s.name for s in tools.window.tools.specs] == ["echo_text", "clock_now"]


@pytest.mark.parametrize(
    ("answer", "decision", "output"),
    [
        (ConsentAnswer.ALLOW_ONCE, "allowed once", True),
        (ConsentAnswer.ALWAYS, "always allowed", True),
        (ConsentAnswer.DENY, "denied by the user", False),
    ],
)
@pytest.mark.parametrize("how", ["click", "key"])
def test_each_button_and_its_key_gives_its_decision(
    tools: Harness, qtbot: QtBot, answer: ConsentAnswer, decision: str, output: bool, how: str
) -> None:
    ctl = _ctl(tools)
    ctl.call("c1", "echo_text", text="hello " + "x" * 400)
    card = _card(tools)
    assert "echo_text" in card.prompt.tool and "(406 characters)" in card.args.text()
    if how == "click":
        qtbot.mouseClick(card.buttons[answer], Qt.MouseButton.LeftButton)
    else:
        tools.window.activateWindow()
        tools.wait(tools.window.isActiveWindow)
        letter = {ConsentAnswer.ALLOW_ONCE: Qt.Key.Key_A, ConsentAnswer.ALWAYS: Qt.Key.Key_W}.get(
            answer, Qt.Key.Key_D
        )
        qtbot.keyClick(tools.window.composer, letter, Qt.KeyboardModifier.AltModifier)  # even while typing
    tools.wait(lambda: "c1" in ctl.results())
    response = ctl.results()["c1"].response
    assert ("output" in response) is output and ("error" in response) is not output
    assert card.state.value == decision.replace("denied by the user", "denied")
    assert not card.buttons[answer].isVisible()
    tools.wait(
        lambda: any(decision in t for k, t in tools.window.transcript_view.visible_texts() if k == "tool")
    )
    if answer is ConsentAnswer.ALWAYS:
        runtime = ctl.runtime
        assert runtime is not None and runtime.policies.policy_for(ctl.specs[0]) is Policy.ALLOW
        assert tools.window.settings.tool_policies == ("echo_text=allow",)  # a later save keeps it
    else:
        assert tools.window.settings.tool_policies == ()


def test_the_keys_are_alt_letters_that_do_not_type_into_the_composer() -> None:
    assert SHORTCUTS == {
        ConsentAnswer.ALLOW_ONCE: "Alt+A",
        ConsentAnswer.ALWAYS: "Alt+W",
        ConsentAnswer.DENY: "Alt+D",
    }


def test_tab_moves_between_the_buttons_and_space_presses_one(tools: Harness, qtbot: QtBot) -> None:
    tools.window.activateWindow()
    ctl = _ctl(tools)
    ctl.call("c1", "echo_text", text="hi")
    card = _card(tools)
    tools.wait(lambda: card.buttons[ConsentAnswer.ALLOW_ONCE].hasFocus())  # the focus moved to the card
    qtbot.keyClick(QGuiApplication.focusObject(), Qt.Key.Key_Tab)
    tools.wait(lambda: card.buttons[ConsentAnswer.ALWAYS].hasFocus())
    qtbot.keyClick(QGuiApplication.focusObject(), Qt.Key.Key_Tab)
    assert card.buttons[ConsentAnswer.DENY].hasFocus()
    qtbot.keyClick(card.buttons[ConsentAnswer.DENY], Qt.Key.Key_Space)
    tools.wait(lambda: "c1" in ctl.results())
    assert ctl.results()["c1"].response["error"]["code"] == "denied"


def test_a_card_does_not_take_the_focus_from_the_composer_while_the_user_types(tools: Harness) -> None:
    window = tools.window
    window.activateWindow()
    window.composer.setFocus()
    tools.wait(window.composer.hasFocus)
    window.composer.setText("half a sente")
    _ctl(tools).call("c1", "echo_text", text="hi")
    card = _card(tools)
    assert window.composer.hasFocus() and window.composer.text() == "half a sente"
    assert card.state is CardState.WAITING


def test_the_conversation_goes_on_while_a_card_waits(tools: Harness) -> None:
    ctl = _ctl(tools)
    ctl.call("c1", "echo_text", text="hi")
    card = _card(tools)
    ctl.emit(Transcript(Role.MODEL, "While you decide, it is sunny.", final=True))
    ctl.call("c2", "clock_now")  # an allowed tool runs at once
    tools.wait(lambda: "c2" in ctl.results())
    tools.wait(
        lambda: ("model", "While you decide, it is sunny.") in tools.window.transcript_view.visible_texts()
    )
    assert card.state is CardState.WAITING and "c1" not in ctl.results()


@pytest.mark.parametrize("consent_s", [0.3])
def test_a_card_nobody_answers_is_withdrawn_as_timed_out_and_denied(tools: Harness, consent_s: float) -> None:
    ctl = _ctl(tools)
    ctl.call("c1", "echo_text", text="hi")
    card = _card(tools)
    tools.wait(lambda: "c1" in ctl.results())
    assert ctl.results()["c1"].response["error"]["code"] == "no_consent"
    tools.wait(lambda: card.state is CardState.TIMED_OUT)
    assert card.status.text() == "Timed out — denied"
    assert not tools.window.tools.answer_oldest(ConsentAnswer.ALLOW_ONCE)  # nothing waits any more


def test_a_call_the_server_cancels_withdraws_its_card_and_sends_nothing(tools: Harness) -> None:
    ctl = _ctl(tools)
    ctl.call("c1", "echo_text", text="hi")
    card = _card(tools)
    ctl.cancel("c1")
    tools.wait(lambda: card.state is CardState.CANCELLED)
    assert card.status.text() == "Cancelled"
    tools.wait(
        lambda: any(t.startswith("⊘ echo_text") for _k, t in tools.window.transcript_view.visible_texts())
    )
    assert ctl.results() == {}


def test_an_allowed_call_is_one_line_with_its_result(tools: Harness) -> None:
    ctl = _ctl(tools)
    ctl.call("c9", "clock_now")
    tools.wait(lambda: any("✓ clock_now" in t for _k, t in tools.window.transcript_view.visible_texts()))
    (line,) = [t for k, t in tools.window.transcript_view.visible_texts() if k == "tool"]
    assert "allow" in line and "10:42" in line
    assert tools.window.transcript_view.cards() == {}


def test_the_clipboard_port_round_trips_through_the_qt_thread(tools: Harness) -> None:
    ctl = _ctl(tools)
    assert ctl.ports is not None
    clipboard, _browser = ctl.ports
    _run(tools, clipboard.write_text("from the tool ✓"))
    clip = QGuiApplication.clipboard()
    assert clip is not None and clip.text() == "from the tool ✓"
    clip.setText("from the user")
    assert _run(tools, clipboard.read_text()) == "from the user"


def test_the_browser_port_opens_only_web_links(tools: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(QUrl(url).toString()) or True)
    ctl = _ctl(tools)
    assert ctl.ports is not None
    _clipboard, browser = ctl.ports
    _run(tools, browser.open("https://example.org/page"))
    with pytest.raises(ToolError):
        _run(tools, browser.open("file:///etc/passwd"))
    assert opened == ["https://example.org/page"]


def test_source_chips_show_under_the_reply_and_open_by_click_or_key(
    tools: Harness, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(QUrl(url).toString()) or True)
    sources = (
        GroundingSource("Met Office", "https://met.example/today"),
        GroundingSource("Bad", "javascript:x"),
    )
    tools.emit(Transcript(Role.MODEL, "It is sunny.", final=True), Grounding(("weather today",), sources))
    view = tools.window.transcript_view
    tools.wait(lambda: bool(view.source_chips()))
    (chips,) = view.source_chips()
    assert [c.text() for c in chips.chips] == ["Met Office", "Bad"]
    assert [k for k, _t in view.visible_texts()][-2:] == ["model", "sources"]
    assert chips.chips[0].focusPolicy() == Qt.FocusPolicy.StrongFocus
    qtbot.mouseClick(chips.chips[0], Qt.MouseButton.LeftButton)
    chips.chips[0].setFocus()
    qtbot.keyClick(chips.chips[0], Qt.Key.Key_Space)
    assert opened == ["https://met.example/today", "https://met.example/today"]
    qtbot.mouseClick(chips.chips[1], Qt.MouseButton.LeftButton)  # refused: not http/https
    assert len(opened) == 2
    assert any("javascript:x" in n.text for n in tools.window.notices.notices())


def test_the_tools_tab_lists_the_run_s_tools_and_a_policy_edit_reaches_the_controller(tools: Harness) -> None:
    dialog = tools.window.open_settings()
    assert dialog.tools.table.rowCount() == 2
    box = dialog.tools.policy_box("clock_now")
    box.setCurrentIndex(box.findData("ask"))
    dialog.save_button.click()
    tools.wait(lambda: _ctl(tools).last("apply_settings") is not None)
    (applied,) = _ctl(tools).last("apply_settings") or ()
    assert applied.tool_policies == ("clock_now=ask",)
    assert tools.window.settings.tool_policies == ("clock_now=ask",)
