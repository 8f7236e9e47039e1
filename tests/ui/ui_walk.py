"""What the keyboard, layout and accessibility tests walk: every control a user can reach, in the window,
each settings page, the history panel and the shortcut sheet, whatever controls exist at the time (so
controls added later are covered too).

- :func:`fill_window` gives the window the content a busy session shows (a long reply, camera frames,
  a notice), so layout problems that only content causes are in view.
- :func:`tab_stops` lists the widgets Tab reaches in a top-level widget; :func:`surfaces` opens each
  top-level surface in turn (the window, each settings tab, the history panel, the shortcut sheet).
- :func:`unnamed` lists the focusable controls that Qt's accessibility tree gives no usable name.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import cv2
import numpy as np
from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtGui import QAccessible, QAccessibleInterface
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget

from desktop_app.core.app_events import BackendInfo, InputState, RelayStatus
from desktop_app.core.error_wording import wording_for
from desktop_app.core.events import Role, SessionPhase, SessionState, Transcript, TurnComplete
from desktop_app.core.media_events import FrameSent, PreviewFrame
from desktop_app.history import history_dir
from tests.ui.conftest import Harness
from tests.ui.history_sessions import write_session

LONG_REPLY = (
    "Here is a longer answer, the kind that used to lose its last line in a small window. "
    "It describes the desk, the lamp on the left, the window behind it and the mug in front of the "
    "keyboard, then suggests moving the lamp so that the camera sees the face better. THE END."
)


OFFLINE_NOTICE = (
    "Offline demo: no GEMINI_API_KEY is set, so the built-in Live API emulator answers (a loopback check "
    "of the whole pipeline, not a model). Set GEMINI_API_KEY to talk to Gemini."
)
"""As long as the offline banner's text is today (the banner takes the most height at small sizes)."""


def fill_window(harness: Harness | Driver) -> None:
    """The offline banner, a live session with the camera on, an exchange with a long reply, a frame sent,
    a browser on the relay and a notice; returns when they show."""
    w = harness.window
    frame = np.zeros((360, 640, 3), np.uint8)
    frame[:, :, 1] = 90
    frame.setflags(write=False)
    ok, jpeg = cv2.imencode(".jpg", frame)
    assert ok
    harness.emit(
        BackendInfo("emulator", "gemini-3.8-live", OFFLINE_NOTICE),
        SessionState(SessionPhase.LIVE),
        InputState(camera="0"),
        PreviewFrame(frame, 640, 360, seq=1, captured_at=0.0),
        FrameSent(bytes(jpeg), 640, 360, len(jpeg), count=12),
        RelayStatus(url="http://127.0.0.1:9080/", clients=("127.0.0.1:50100",)),
        Transcript(Role.USER, "What do you see on my desk?", True),
        Transcript(Role.MODEL, LONG_REPLY, True),
        TurnComplete(),
    )
    harness.wait(lambda: w.video.has_frame and w.mirror.last is not None and w.banner.isVisible())
    harness.wait(lambda: any(text.endswith("THE END.") for _kind, text in w.transcript_view.visible_texts()))
    w.notices.add("The microphone was busy; it is back now.", "info")
    QApplication.processEvents()


class Driver:
    """What :func:`fill_window` needs of a :class:`~tests.ui.conftest.Harness`, without pytest-qt (for
    :mod:`tests.ui.layout_shots`, which runs in a process of its own)."""

    def __init__(self, window: Any, emit: Callable[..., None]) -> None:
        self.window = window
        self.emit = emit

    def wait(self, condition: Callable[[], object], timeout: int = 10_000) -> None:
        deadline = time.monotonic() + timeout / 1000
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the window did not get there in time")
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def tab_stops(top: QWidget) -> list[QWidget]:
    """The widgets Tab can reach in ``top``, in no particular order (focus proxies stand for their owner)."""
    stops = []
    for widget in top.findChildren(QWidget):
        if widget.window() is not top or not widget.isVisibleTo(top) or not widget.isEnabled():
            continue
        if widget.focusProxy() is not None or not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        stops.append(widget)
    return stops


def activate(harness: Harness, top: QWidget) -> None:
    top.activateWindow()
    harness.qtbot.waitUntil(lambda: QApplication.activeWindow() is top, timeout=5000)


def surfaces(harness: Harness) -> Iterator[tuple[str, QWidget]]:
    """Open each surface in turn and yield (name, its top-level widget), active; closes what it opened:
    the window, the window with the connection-problem banner, the share picker, each settings page, the
    history panel and the shortcut sheet."""
    w = harness.window
    activate(harness, w)
    yield "window", w
    wording = wording_for("live_error")
    assert wording is not None
    w.error_banner.show_problem(wording, "1011 internal error: the test's failure")
    harness.wait(w.error_banner.isVisible)
    yield "window with a connection problem", w
    w.error_banner.resolve()
    picker = w.open_screen_picker()
    harness.wait(lambda: picker.share_button.isEnabled())
    activate(harness, picker)
    yield "screen picker", picker
    picker.reject()
    harness.wait(lambda: not picker.isVisible())
    activate(harness, w)
    dialog = w.open_settings()
    harness.wait(dialog.isVisible)
    activate(harness, dialog)
    tabs = dialog.findChild(QTabWidget)
    assert tabs is not None
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        QApplication.processEvents()
        yield f"settings/{tabs.tabText(index).replace('&&', '&')}", dialog
    dialog.reject()
    harness.wait(lambda: not dialog.isVisible())
    now = datetime.now().replace(microsecond=0)
    write_session(history_dir(), now - timedelta(hours=1), [("Hello there", "Hello! How can I help?")])
    history = w.open_history()
    harness.wait(lambda: len(history.rows) == 1 and history.session is not None)
    activate(harness, history)
    yield "history", history
    history.close()
    sheet = w.open_shortcut_sheet()
    activate(harness, sheet)
    yield "shortcut sheet", sheet
    sheet.close()


def _tree(iface: QAccessibleInterface) -> Iterator[QAccessibleInterface]:
    yield iface
    for i in range(iface.childCount()):
        child = iface.child(i)
        if child is not None and child.isValid():
            yield from _tree(child)


_VALUED = {QAccessible.Role.ComboBox, QAccessible.Role.EditableText, QAccessible.Role.Slider,
           QAccessible.Role.SpinBox}  # fmt: skip
"""Roles whose name must say what the control is, not repeat its value ("Puck" is not a name). On Linux
Qt names a combo box by its value on purpose and gives the label as a relation (AT-SPI's labelled-by,
which Orca reads): a form row's label is that relation."""


def unnamed(top: QWidget) -> list[str]:
    """Each Tab-reachable control in ``top``'s accessibility tree without a usable name, described."""
    root = QAccessible.queryAccessibleInterface(top)
    assert root is not None and root.isValid()
    problems = []
    for iface in _tree(root):
        widget = iface.object()
        if not isinstance(widget, QWidget) or iface.state().invisible:
            continue
        if widget.focusProxy() is not None or not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        if not widget.isEnabled():
            continue
        name = iface.text(QAccessible.Text.Name).strip()
        value = iface.text(QAccessible.Text.Value).strip()
        labels = [other.text(QAccessible.Text.Name).strip()
                  for other, _kind in iface.relations(QAccessible.RelationFlag.Label)]  # fmt: skip
        if not name or (iface.role() in _VALUED and name == value and not any(labels)):
            problems.append(f"{type(widget).__name__} {iface.role().name} name={name!r} in "
                            f"{type(widget.parent()).__name__} (tooltip {widget.toolTip()!r})")  # fmt: skip
    return problems


def describe(widget: QWidget) -> str:
    """A widget in words: its accessible name, object name or text, and its class."""
    label = widget.accessibleName() or widget.objectName()
    text = getattr(widget, "text", None)
    if not label and callable(text):
        label = str(text())[:30]
    return f"{type(widget).__name__} {label!r}"


def _before(a: QWidget, b: QWidget) -> bool:
    """Whether ``a`` comes before ``b`` reading the screen: at the first pair of sibling ancestors that
    tell them apart, side by side (their heights overlap) is read left to right, else top to bottom."""
    chain_a = [a, *_ancestors(a)]
    chain_b = [b, *_ancestors(b)]
    common = next(x for x in chain_a if x in chain_b)
    sa = chain_a[chain_a.index(common) - 1] if common is not a else a
    sb = chain_b[chain_b.index(common) - 1] if common is not b else b
    ra, rb = sa.geometry(), sb.geometry()
    overlap = min(ra.bottom(), rb.bottom()) - max(ra.top(), rb.top())
    if overlap > min(ra.height(), rb.height()) // 2:
        return ra.left() < rb.left()
    return ra.top() < rb.top()


def _ancestors(widget: QWidget) -> list[QWidget]:
    out = []
    parent = widget.parentWidget()
    while parent is not None:
        out.append(parent)
        parent = parent.parentWidget()
    return out


def visual_order(top: QWidget) -> list[QWidget]:
    """``top``'s visible Tab stops in reading order, worked out from where they are on screen."""
    ordered: list[QWidget] = []
    for widget in [w for w in tab_stops(top) if w.isVisible()]:
        at = next((i for i, other in enumerate(ordered) if _before(widget, other)), len(ordered))
        ordered.insert(at, widget)
    return ordered


def tab_walk(top: QWidget) -> list[QWidget]:
    """The Tab stops focus visits from the first one, pressing Tab until it comes back round (only
    visible Tab stops of ``top`` are kept; a control that keeps Tab to itself ends the walk)."""
    stops = {id(w) for w in tab_stops(top) if w.isVisible()}
    first = visual_order(top)[0]
    first.setFocus(Qt.FocusReason.TabFocusReason)
    seen = [first]
    stuck = 0
    for _ in range(4 * len(stops) + 10):
        before = QApplication.focusWidget()
        assert before is not None
        QTest.keyClick(before, Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        stuck = stuck + 1 if focused is before else 0
        if stuck > 3:
            break  # a keyboard trap (a label's links take a few presses, no more): the walk says where
        if focused is None or focused is first:
            break
        if id(focused) in stops and focused not in seen:
            seen.append(focused)
    return seen
