"""Privacy masks on the preview: drag to add one, click or right-click to remove it, stored per source."""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt
import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from desktop_app.config import Settings
from desktop_app.core.masks import MaskRect, masks_for
from desktop_app.core.media_events import VideoState, VideoStatus
from desktop_app.ui.widgets.video_view import VideoView
from tests.ui.conftest import Harness

LEFT = Qt.MouseButton.LeftButton
RIGHT = Qt.MouseButton.RightButton


def frame(value: int = 255) -> npt.NDArray[np.uint8]:
    return np.full((720, 1280, 3), value, np.uint8)


@pytest.fixture
def view(qtbot: QtBot) -> VideoView:
    """A 640×480 preview showing a 16:9 frame: the picture is 640×360, letterboxed 60 px from the top."""
    v = VideoView()
    qtbot.addWidget(v)
    v.resize(640, 480)
    v.show()
    qtbot.waitExposed(v)
    v.show_frame(frame())
    v.show_masks("camera 0", [])
    return v


def drag(qtbot: QtBot, view: VideoView, start: QPoint, end: QPoint) -> None:
    overlay = view.mask_overlay
    qtbot.mousePress(overlay, LEFT, pos=start)
    qtbot.mouseMove(overlay, QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2))
    qtbot.mouseMove(overlay, end)
    qtbot.mouseRelease(overlay, LEFT, pos=end)


def test_dragging_on_the_picture_adds_a_mask_in_fractions_of_the_frame(qtbot: QtBot, view: VideoView) -> None:
    # picture x 0–640, y 60–420: the drag covers x 320–480 (0.5–0.75) and y 150–330 (0.25–0.75)
    with qtbot.waitSignal(view.masks_edited) as edited:
        drag(qtbot, view, QPoint(320, 150), QPoint(480, 330))
    assert edited.args == ["camera 0", (MaskRect(0.5, 0.25, 0.25, 0.5),)]
    assert view.mask_overlay.masks == (MaskRect(0.5, 0.25, 0.25, 0.5),)
    # a drag that leaves the picture is clipped to it, and a second mask adds to the first
    with qtbot.waitSignal(view.masks_edited) as edited:
        drag(qtbot, view, QPoint(600, 30), QPoint(0, 96))
    assert edited.args[1] == (MaskRect(0.5, 0.25, 0.25, 0.5), MaskRect(0, 0, 0.9375, 0.1))


def test_the_masks_are_painted_over_the_preview(qtbot: QtBot, view: VideoView) -> None:
    view.show_masks("camera 0", [MaskRect(0.5, 0.25, 0.25, 0.5)])
    image = view.grab().toImage()
    inside, outside = image.pixelColor(400, 240), image.pixelColor(100, 240)
    assert outside.lightness() > 240 and inside.lightness() < 200


def test_a_click_in_a_mask_removes_it_a_click_elsewhere_does_nothing(qtbot: QtBot, view: VideoView) -> None:
    a, b = MaskRect(0.5, 0.25, 0.25, 0.5), MaskRect(0, 0, 0.25, 0.25)
    view.show_masks("camera 0", [a, b])
    with qtbot.assertNotEmitted(view.masks_edited):
        qtbot.mouseClick(view.mask_overlay, LEFT, pos=QPoint(250, 350))  # in no mask
    with qtbot.waitSignal(view.masks_edited) as edited:
        qtbot.mouseClick(view.mask_overlay, LEFT, pos=QPoint(400, 240))
    assert edited.args == ["camera 0", (b,)]
    with qtbot.waitSignal(view.masks_edited) as edited:
        qtbot.mouseClick(view.mask_overlay, RIGHT, pos=QPoint(50, 80))
    assert edited.args == ["camera 0", ()]


def test_without_a_frame_the_preview_ignores_the_mouse(qtbot: QtBot, view: VideoView) -> None:
    view.clear("Vision is off")
    with qtbot.assertNotEmitted(view.masks_edited):
        drag(qtbot, view, QPoint(320, 150), QPoint(480, 330))
    assert view.mask_overlay.masks == ()


def test_the_retry_button_stays_clickable_above_the_mask_editor(qtbot: QtBot, view: VideoView) -> None:
    view.clear("Camera 0 is not connected.")
    view.offer_retry(True)
    with qtbot.waitSignal(view.retry_requested):
        qtbot.mouseClick(view.childAt(view._retry.geometry().center()), LEFT)  # Choose another… sits beside


@pytest.fixture
def settings() -> Settings:
    return Settings(backend="emulator", video_source=None, video_masks=("screen 1: 0 0 0.5 0.5",))


def test_the_window_shows_the_masks_of_the_source_and_stores_an_edit(harness: Harness) -> None:
    window = harness.window
    harness.emit(VideoStatus(VideoState.LIVE, "camera 0"))
    harness.wait(lambda: window.video.mask_overlay.source == "camera 0")
    assert window.video.mask_overlay.masks == ()
    harness.emit(VideoStatus(VideoState.LIVE, "screen 1"))
    harness.wait(lambda: window.video.mask_overlay.source == "screen 1")
    assert window.video.mask_overlay.masks == (MaskRect(0, 0, 0.5, 0.5),)

    harness.emit(VideoStatus(VideoState.LIVE, "camera 0"))
    harness.wait(lambda: window.video.mask_overlay.source == "camera 0")
    window.video.mask_overlay.show_source("camera 0", [])
    window.video.mask_overlay.masks_edited.emit("camera 0", (MaskRect(0.5, 0.25, 0.25, 0.5),))
    expected = dataclasses.replace(
        window.settings, video_masks=("screen 1: 0 0 0.5 0.5", "camera 0: 0.5 0.25 0.25 0.5")
    )
    harness.wait_call("apply_settings", expected)
    assert masks_for(window.settings.video_masks, "camera 0") == (MaskRect(0.5, 0.25, 0.25, 0.5),)
