"""Smoke tests of the PyInstaller bundle (``make test-package``, after ``make package`` built it).

Collected only when ``GLD_BUNDLE`` names the bundle's folder (``dist/gemini-live-desktop``). Every run
starts the bundle's own executable from a directory outside the repository, with no API key and nothing
pointing at this checkout's Python: the version, the audio devices of a PulseAudio test daemon, the
headless slice on the bundle's own sample against the emulator, the relay serving the bundle's page, and
the window on a private Xvfb display.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from desktop_app.bench.window_rig import XvfbDisplay
from tests.packaging.program import (
    check_headless_slice,
    check_relay_page,
    check_version,
    run,
    user_env,
)
from tests.support.pulse_rig import PulseRig, ensure_daemon

pytestmark = pytest.mark.packaging

BUNDLE = Path(os.environ.get("GLD_BUNDLE", "dist/gemini-live-desktop")).resolve()
EXE = BUNDLE / "gemini-live-desktop"
ASSETS = BUNDLE / "_internal" / "desktop_app" / "_assets"


@pytest.fixture(scope="module", autouse=True)
def _bundle_exists() -> None:
    if not EXE.is_file():
        pytest.fail(f"no bundle at {BUNDLE}: run `make package` first")


@pytest.fixture(scope="module")
def rig() -> Iterator[PulseRig]:
    ensure_daemon()
    r = PulseRig(f"gldpkg{os.getpid()}")
    r.setup()
    try:
        yield r
    finally:
        r.teardown()


def test_version(tmp_path: Path) -> None:
    check_version([EXE], tmp_path, user_env(tmp_path))


def test_list_devices_sees_pulseaudio(rig: PulseRig, tmp_path: Path) -> None:
    proc = run([EXE, "--list-devices"], tmp_path, user_env(tmp_path), timeout=60)
    assert proc.returncode == 0, proc.stderr
    inputs, _, outputs = proc.stdout.partition("Output devices:")
    assert "Input devices:" in inputs
    assert " pulse " in inputs and " pulse " in outputs, proc.stdout


def test_headless_slice_on_the_bundled_sample(tmp_path: Path) -> None:
    check_headless_slice([EXE], ASSETS / "samples" / "hello.wav", tmp_path, user_env(tmp_path))


def test_relay_serves_the_bundled_page(tmp_path: Path) -> None:
    check_relay_page([EXE], ASSETS / "web", tmp_path, user_env(tmp_path))


def _state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def test_window_opens_on_xvfb_and_closes_on_sigterm(rig: PulseRig, tmp_path: Path) -> None:
    state_path, log_path = tmp_path / "state.json", tmp_path / "window.log"
    with XvfbDisplay(1400, 900) as display:
        env = user_env(
            tmp_path,
            {
                "DISPLAY": display.display,
                "GLD_TEST_STATE_FILE": str(state_path),
                "GLD_LISTEN_AT_LAUNCH": "1",  # a live session at launch proves the bundled SDK and emulator
                "PULSE_SINK": rig.speaker,
                "PULSE_SOURCE": rig.mic_source,
            },
        )
        env.pop("QT_QPA_PLATFORM", None)  # the real xcb platform plugin, from the bundle
        with log_path.open("wb") as log:
            launched = time.time()
            proc = subprocess.Popen(
                [str(EXE), "--backend", "emulator", "--relay-port", "0"],
                cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            state = _state(state_path)
            while not (state.get("shown") and state.get("phase") == "live"):
                assert proc.poll() is None, f"the window exited ({proc.returncode}):\n{log_path.read_text()}"
                assert time.monotonic() < deadline, f"no live window in 60 s: {state}\n{log_path.read_text()}"
                time.sleep(0.05)  # polling another process's file: there is nothing to await
                state = _state(state_path)
            print(f"\nbundle window shown {1000 * (state['shown_at'] - launched):.0f} ms after launch")

            shot = display.screenshot(state["geometry"], tmp_path / "window.png")
            colours = np.unique(shot.reshape(-1, 3), axis=0)
            assert len(colours) > 50, "the window looks blank: styles or fonts did not load"
            with urllib.request.urlopen(state["relay_url"], timeout=30) as page:
                assert page.read() == (ASSETS / "web" / "index.html").read_bytes()
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
                raise
    log = log_path.read_text(errors="replace")
    assert code == 0, log
    assert "Traceback" not in log, log
    assert "Could not load the Qt platform plugin" not in log, log
