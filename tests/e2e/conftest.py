"""End-to-end fixtures: a private Xvfb display, the PulseAudio rig of the device tests (real PortAudio
devices through null sinks), a synthetic camera clip and spoken WAVs.

The PulseAudio fixtures are the audio layer's (``tests/devices/conftest.py``), imported rather than copied.
A missing Xvfb, PulseAudio or espeak-ng fails these tests: that is a missing install step, not a reason to
skip. A WARNING logged in this process fails a test; the window's own log is checked by the tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # in-process Qt here is offscreen; the app uses Xvfb

from desktop_app.bench.window_rig import XvfbDisplay, speech_wav, write_demo_clip
from tests.devices.conftest import pulse_daemon, rig, routed  # noqa: F401  (shared fixtures)

ARTIFACTS = Path(__file__).parent / "artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.xvfb)
            item.add_marker(pytest.mark.devices)
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))


@pytest.fixture(scope="session")
def xvfb() -> Iterator[XvfbDisplay]:
    if shutil.which("Xvfb") is None:
        pytest.fail("the end-to-end tests need Xvfb (apt-get install xvfb)")
    with XvfbDisplay(1600, 1000) as display:
        yield display


@pytest.fixture(scope="session")
def camera_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 s of a synthetic 1280×720 camera at 15 fps (longer than any test here runs)."""
    return write_demo_clip(tmp_path_factory.mktemp("clip") / "camera.avi", 60, fps=15)


@pytest.fixture(scope="session")
def question_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.fail("the end-to-end tests need espeak-ng (apt-get install espeak-ng)")
    return speech_wav(tmp_path_factory.mktemp("speech") / "question.wav")


@pytest.fixture(scope="session")
def second_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return speech_wav(
        tmp_path_factory.mktemp("speech") / "second.wav", "Thank you. Now please describe the desk."
    )


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
