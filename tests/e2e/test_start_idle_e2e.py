"""The real program starts idle (issue 18): launched as a user launches it, with a camera configured and
someone talking into the microphone, it opens no session and sends no frame until Start talking
(Ctrl+Space, pressed on the real window through the X server); then it listens and answers."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from desktop_app.bench.window_rig import WindowProcess, XvfbDisplay
from tests.support.pulse_rig import PulseRig


def _heard_locally(state: dict[str, Any]) -> bool:
    """Shown, idle, and the level meter moves: the microphone works on this machine."""
    level = state.get("levels", {}).get("input_dbfs", -120.0)
    return bool(state.get("shown")) and not state["input"]["listening"] and level > -50.0


def test_the_real_window_sends_nothing_before_start_talking(
    xvfb: XvfbDisplay, rig: PulseRig, camera_clip: Path, question_wav: Path, tmp_path: Path
) -> None:
    env = {"PULSE_SINK": rig.speaker, "PULSE_SOURCE": rig.mic_source, "GLD_LISTEN_AT_LAUNCH": "0"}
    config = tmp_path / "app" / "config"
    config.mkdir(parents=True)
    (config / "settings.json").write_text(f'{{"video_source": "{camera_clip}"}}', encoding="utf-8")
    app = WindowProcess(xvfb.display, tmp_path / "app", [], env).start()
    try:
        app.wait_for(lambda s: bool(s.get("shown")), 60, "the window")
        player = rig.play_into_mic(question_wav)
        state = app.wait_for(_heard_locally, 60, "the microphone's level while idle")
        assert player.wait(60) == 0
        state = app.state() or state
        assert state["phase"] is None and state["connection"] == "Idle"
        assert "SessionState" not in state["events_seen"] and state["transcript"] == []
        assert state["frames_sent"] == 0 and state["input"]["camera"] is None  # the saved camera stays off

        window = subprocess.run(
            ["xdotool", "search", "--sync", "--onlyvisible", "--name", "^Gemini Live$"],
            env={"DISPLAY": xvfb.display},
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()[0]
        subprocess.run(
            ["xdotool", "windowfocus", "--sync", window, "key", "--clearmodifiers", "ctrl+space"],
            env={"DISPLAY": xvfb.display},
            check=True,
            timeout=30,
        )
        app.wait_for(lambda s: s["input"]["listening"] and s.get("phase") == "live", 60, "Start talking")
        player = rig.play_into_mic(question_wav)
        assert player.wait(60) == 0
        state = app.wait_for(
            lambda s: any(e["kind"] == "model" and e["final"] for e in s.get("transcript", [])),
            60,
            "the reply once listening",
        )
        assert state["frames_sent"] == 0  # talking does not switch the camera on
    finally:
        code = app.terminate()
    assert code == 0, app.log_tail()
