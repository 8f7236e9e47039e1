"""The window driving the real application (build_app, Mode.WINDOW): the built-in emulator over TLS, the real
relay and SDK, with an in-memory microphone and speaker (the PulseAudio version of this is tests/e2e).
Offscreen Qt."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.core.events import MicAudio, ModelAudio
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.services.app_controller import AppController
from desktop_app.ui.window_app import WindowApp
from tests.support.audio import blocks, silence, speech_like
from tests.ui.desktop_harness import started_window

pytestmark = pytest.mark.integration


class QueueMicrophone:
    """A microphone fed by the test (any thread), read by the controller on the loop."""

    def __init__(self, loop: LoopThread) -> None:
        self._loop = loop
        self._queue: asyncio.Queue[bytes | None] | None = None
        self.closed = False

    async def blocks(self) -> AsyncIterator[MicAudio]:
        self._queue = asyncio.Queue()
        while (pcm := await self._queue.get()) is not None:
            yield MicAudio(pcm)

    def speak(self, pcm: bytes) -> None:
        for block in blocks(pcm):
            self._loop.call_soon(self._put, block)

    def _put(self, block: bytes | None) -> None:
        if self._queue is not None:
            self._queue.put_nowait(block)

    async def aclose(self) -> None:
        self.closed = True
        self._put(None)


@dataclass
class MemorySpeaker:
    played: list[bytes] = field(default_factory=list)
    volume: float = 1.0
    closed: bool = False

    def play(self, chunk: ModelAudio) -> None:
        self.played.append(chunk.pcm)

    def interrupt(self) -> None:
        self.played.clear()

    async def drain(self) -> None:
        return None

    async def aclose(self) -> None:
        self.closed = True


@dataclass
class MemoryAudio:
    source: QueueMicrophone
    sink: MemorySpeaker = field(default_factory=MemorySpeaker)
    notices: list[str] = field(default_factory=list)


@pytest.fixture
def running(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[WindowApp, MemoryAudio]]:
    loop = LoopThread("window-controller-loop")
    audio = MemoryAudio(QueueMicrophone(loop))
    saved: list[Settings] = []

    def factory(settings: Settings, publish: Any) -> AppController:
        return build_app(
            settings,
            Mode.WINDOW,
            publish,
            audio_opener=lambda options, event_loop, on_event: audio,  # type: ignore[arg-type,return-value]
            save=saved.append,  # type: ignore[arg-type]
        )

    with started_window(
        qtbot, Settings(backend="emulator", emulator_pace=0.0, relay_port=0), factory, tmp_path, loop
    ) as app:
        yield app, audio


def _bubbles(app: WindowApp) -> list[tuple[str, str]]:
    return app.window.transcript_view.visible_texts()


def test_a_spoken_and_a_typed_turn_through_the_real_controller(
    qtbot: QtBot, running: tuple[WindowApp, MemoryAudio]
) -> None:
    app, audio = running
    w = app.window
    qtbot.waitUntil(lambda: w.pill.plain_text == "Demo", timeout=20_000)  # the emulator is no green "Live"
    assert w.banner.isVisible() and "aistudio.google.com/apikey" in w.banner.text
    assert "GEMINI_API_KEY" not in w.banner.text and "loopback" not in w.banner.text
    qtbot.waitUntil(lambda: w.relay_panel.url.startswith("http://127.0.0.1:"), timeout=10_000)

    audio.source.speak(speech_like(1.0) + silence(1.0))  # the emulator's VAD ends the utterance
    qtbot.waitUntil(lambda: any(k == "model" and "turn 1" in t for k, t in _bubbles(app)), timeout=20_000)
    kinds = [k for k, _ in _bubbles(app)]
    assert kinds[:2] == ["user", "model"] and _bubbles(app)[0][1].startswith("[speech ")
    qtbot.waitUntil(lambda: w.transcript.turn == 2, timeout=10_000)  # TurnComplete arrived
    assert sum(len(p) for p in audio.sink.played) > 0, "the reply reached the speaker"
    assert w.last_latency_ms is not None

    QTest.keyClicks(w.composer, "What do you see?")
    QTest.keyClick(w.composer, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: any('You said: "What do you see?"' in t for _, t in _bubbles(app)), timeout=20_000
    )
    assert w.status.last_usage is not None and w.status.last_usage.total_tokens > 0


def test_controls_reach_the_controller_and_come_back_as_state(
    qtbot: QtBot, running: tuple[WindowApp, MemoryAudio]
) -> None:
    app, _audio = running
    w = app.window
    qtbot.waitUntil(lambda: w.pill.plain_text == "Demo", timeout=20_000)
    w.controls.mic.click()
    qtbot.waitUntil(lambda: w.input_state.mic_muted, timeout=5000)
    w.controls.volume.setValue(40)
    qtbot.waitUntil(lambda: abs(w.input_state.volume - 0.4) < 1e-9, timeout=5000)
    w.controls.camera.click()  # there is no camera 0 here: a readable notice and a retry button
    qtbot.waitUntil(lambda: bool(w.notices.notices()), timeout=10_000)
    assert w.notices.notices()[0].text.startswith("Camera 0 is not connected")
    qtbot.waitUntil(lambda: w.video._retry.isVisible(), timeout=10_000)
    assert w.controls.camera.isChecked(), "the camera stays chosen, waiting for a retry"
    assert not w.video.has_frame


def test_closing_stops_session_devices_relay_and_threads(
    qtbot: QtBot, running: tuple[WindowApp, MemoryAudio]
) -> None:
    app, audio = running
    qtbot.waitUntil(lambda: app.window.pill.plain_text == "Demo", timeout=20_000)
    with qtbot.waitSignal(app.finished, timeout=20_000):
        app.window.close()
    assert app.clean
    assert audio.source.closed and audio.sink.closed, "the devices were closed"
    controller = app.controller
    assert isinstance(controller, AppController)
    assert (
        controller.running().relay is None
        and controller.running().conversation is None
        and controller.running().audio is None
    )
    names = {t.name for t in threading.enumerate()}
    assert "window-controller-loop" not in names
    assert not [n for n in names if n.startswith("asyncio_")], names


def test_closing_while_the_controller_is_still_starting_is_orderly(
    qtbot: QtBot, running: tuple[WindowApp, MemoryAudio]
) -> None:
    app, audio = running
    qtbot.waitUntil(lambda: app.controller is not None, timeout=10_000)
    with qtbot.waitSignal(app.finished, timeout=20_000):
        app.window.close()  # start() is most likely still opening the emulator and the relay
    assert app.clean
    controller = app.controller
    assert isinstance(controller, AppController)
    assert controller.running().relay is None and controller.running().conversation is None
    assert "window-controller-loop" not in {t.name for t in threading.enumerate()}
    assert audio.source.closed or controller.running().audio is None
