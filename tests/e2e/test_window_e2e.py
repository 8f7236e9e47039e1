"""The real program, window mode, on Xvfb with PulseAudio devices and a video file as the camera.

``python -m desktop_app --backend emulator --video clip.avi`` runs as a user would start it. The test
speaks into the virtual microphone, reads what the window shows from its state file (the transcript
widget's bubbles included), records the virtual speaker, takes a screenshot of the window, and closes it
the way a desktop does (SIGTERM), expecting an orderly shutdown.

``GLD_UPDATE_SCREENSHOTS=1`` also copies the screenshot to ``docs/screenshots/window.png`` (the README's).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from desktop_app.bench.window_rig import WindowProcess, XvfbDisplay
from desktop_app.ui.theme import COLORS
from tests.devices.conftest import read_wav
from tests.support.pulse_rig import PulseRig

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "window.png"


def _live_with_video(state: dict[str, Any]) -> bool:
    return bool(state.get("shown")) and state.get("phase") == "live" and state.get("frames_sent", 0) >= 2


def _replied(state: dict[str, Any], turn: int) -> bool:
    return any(e["kind"] == "model" and e["final"] and e["turn"] == turn for e in state.get("transcript", []))


def _replying(turn: int) -> Callable[[dict[str, Any]], bool]:
    """The model's reply of ``turn`` has started showing and the speaker is playing it."""

    def check(state: dict[str, Any]) -> bool:
        started = any(e["kind"] == "model" and e["turn"] == turn for e in state.get("transcript", []))
        return started and state.get("levels", {}).get("output_dbfs", -120.0) > -50.0

    return check


def _envelope(samples: npt.NDArray[np.float32], rate: int, ms: int = 20) -> npt.NDArray[np.float64]:
    hop = rate * ms // 1000
    frames = len(samples) // hop
    blocks = samples[: frames * hop].astype(np.float64).reshape(frames, hop)
    return np.sqrt((blocks**2).mean(axis=1) + 1e-12)


def _best_correlation(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    """The highest Pearson correlation of ``a`` against every stretch of ``b`` as long as ``a``."""
    a = (a - a.mean()) / (a.std() + 1e-12)
    best = -1.0
    for start in range(0, len(b) - len(a) + 1):
        window = b[start : start + len(a)]
        std = window.std()
        if std > 0:
            best = max(best, float(np.dot(a, (window - window.mean()) / std) / len(a)))
    return best


def test_a_spoken_turn_through_the_real_window(
    xvfb: XvfbDisplay,
    rig: PulseRig,
    camera_clip: Path,
    question_wav: Path,
    second_wav: Path,
    tmp_path: Path,
    artifacts: Path,
) -> None:
    env = {"PULSE_SINK": rig.speaker, "PULSE_SOURCE": rig.mic_source}
    app = WindowProcess(xvfb.display, tmp_path / "app", ["--video", str(camera_clip)], env).start()
    try:
        state = app.wait_for(_live_with_video, 60, "a live session sending camera frames")
        assert state["backend"] == "emulator"
        assert state["offline_banner"] and "aistudio.google.com/apikey" in state["banner_text"]
        assert state["connection"].startswith("Demo"), "the emulator is never a green Live"
        assert state["relay_url"].startswith("http://127.0.0.1:")
        assert state["preview_frames_shown"] > state["frames_sent"], "the preview runs at the camera's rate"
        assert state["input"]["camera"] == str(camera_clip)

        recorder = rig.record_speaker()
        try:
            player = rig.play_into_mic(question_wav)
            assert player.wait(60) == 0
            state = app.wait_for(lambda s: _replied(s, 1), 60, "the model's reply in the transcript")
            first = state
            # a second question; the screenshot is taken while the window plays the answer
            player = rig.play_into_mic(second_wav)
            assert player.wait(60) == 0
            speaking = app.wait_for(_replying(2), 60, "the second reply playing")
            shot = xvfb.screenshot(speaking["geometry"], artifacts / "window.png")
            state = app.wait_for(lambda s: _replied(s, 2), 60, "the second reply in the transcript")
            recorder.wait_frames(recorder.frames + rig.rate // 2, 10)  # the reply's tail leaves the speaker
        finally:
            recorded = recorder.stop()

        # the transcript widget shows each turn: what was heard, then the reply
        bubbles = [tuple(b) for b in first["bubbles"]]
        assert bubbles[0][0] == "user" and bubbles[0][1].startswith("[speech "), bubbles
        replies = [text for kind, text in bubbles if kind == "model"]
        assert replies and replies[0].startswith("Offline emulator, turn 1: I heard"), bubbles
        assert "camera frame: 1024x576" in replies[0], "the emulator saw the camera"
        kinds = [kind for kind, _text in state["bubbles"]]
        assert kinds == ["user", "model", "user", "model"], state["bubbles"]
        assert state["usage"] and state["usage"]["total_tokens"] > 0
        assert state["latency_ms"] is not None and state["latency_ms"] > 0

        # the speaker sink received the replies: the emulator says back what it heard
        level = 20 * np.log10(np.sqrt(np.mean(recorded.astype(np.float64) ** 2)) + 1e-12)
        assert level > -45.0, f"the speaker stayed silent ({level:.1f} dBFS)"
        question, question_rate = read_wav(question_wav)
        correlation = _best_correlation(_envelope(question, question_rate), _envelope(recorded, rig.rate))
        print(f"e2e: reply level {level:.1f} dBFS, envelope correlation {correlation:.2f}")
        assert correlation > 0.5, f"the reply does not sound like the question (r={correlation:.2f})"

        # the screenshot is of the real window, mid-reply
        _assert_looks_like_the_window(shot)
        assert speaking["levels"]["output_dbfs"] > -60.0
        if os.environ.get("GLD_UPDATE_SCREENSHOTS") == "1":
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(artifacts / "window.png", SCREENSHOT)
    finally:
        code = app.terminate()
    final = app.state() or {}
    assert code == 0, app.log_tail()
    assert final.get("closed") and final.get("clean"), final
    assert final["threads"] == ["MainThread"], "threads left after shutdown"


def _assert_looks_like_the_window(
    shot: npt.NDArray[np.uint8], at_least: tuple[int, int] = (1024, 700)
) -> None:
    height, width = shot.shape[:2]
    assert width >= at_least[0] and height >= at_least[1], f"the window is {width}×{height}"
    bg = tuple(int(COLORS["bg"][i : i + 2], 16) for i in (5, 3, 1))  # BGR
    corner = shot[4:12, width // 2 : width // 2 + 8].reshape(-1, 3)
    assert np.abs(corner.astype(int) - bg).max() < 12, "the window background is not the theme's"
    assert shot.std() > 20, "the screenshot is nearly uniform"


@pytest.mark.parametrize("width,height", [(1024, 700), (1024, 600), (800, 600)])
def test_the_window_fits_the_smallest_supported_screen(
    tmp_path: Path, artifacts: Path, width: int, height: int
) -> None:
    """A first start on a small screen (down to a 600-pixel-high one): the window fits and nothing is cut
    off (tests/ui/test_layout_sizes.py checks every widget's geometry at these sizes)."""
    with XvfbDisplay(width, height) as small:
        app = WindowProcess(small.display, tmp_path / "small").start()
        try:
            state = app.wait_for(lambda s: bool(s.get("shown")) and s.get("phase") == "live", 60, "live")
            _left, _top, w, h = state["geometry"]
            assert w <= width and h <= height, state["geometry"]
            shot = small.screenshot(state["geometry"], artifacts / f"window-{width}x{height}.png")
            _assert_looks_like_the_window(shot, at_least=(min(width, 1024), min(height, 700)))
        finally:
            assert app.terminate() == 0, app.log_tail()
