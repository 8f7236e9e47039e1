"""The preview rate the window asks for: full while it has the focus, less behind another, none hidden."""

from __future__ import annotations

import itertools

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop_app.ui.preview_demand import FOCUSED_FPS, HIDDEN_FPS, UNFOCUSED_FPS, PreviewDemand, preview_fps

from .conftest import Harness


def test_the_rate_follows_visibility_and_focus() -> None:
    assert preview_fps(visible=True, minimized=False, active=True) == FOCUSED_FPS
    assert preview_fps(visible=True, minimized=False, active=False) == UNFOCUSED_FPS
    assert preview_fps(visible=True, minimized=True, active=True) == HIDDEN_FPS
    assert preview_fps(visible=False, minimized=False, active=False) == HIDDEN_FPS
    assert HIDDEN_FPS < UNFOCUSED_FPS < FOCUSED_FPS


def test_hiding_and_showing_a_window_calls_back_on_each_change_only(qtbot: QtBot) -> None:
    w = QWidget()
    qtbot.addWidget(w)
    seen: list[float] = []
    demand = PreviewDemand(w, lambda fps: seen.append(fps) is None)
    w.show()
    qtbot.waitUntil(lambda: demand.fps() == FOCUSED_FPS)
    w.hide()
    qtbot.waitUntil(lambda: seen[-1] == HIDDEN_FPS)
    w.show()
    qtbot.waitUntil(lambda: seen[-1] != HIDDEN_FPS)
    assert all(a != b for a, b in itertools.pairwise(seen)), f"a repeated rate: {seen}"


def test_the_window_tells_the_controller_when_it_is_hidden_and_shown_again(harness: Harness) -> None:
    rates = harness.controller.preview_rates
    harness.window.hide()
    harness.wait(lambda: rates[-1:] == [HIDDEN_FPS])
    harness.window.show()
    harness.wait(lambda: rates[-1:] != [HIDDEN_FPS])
