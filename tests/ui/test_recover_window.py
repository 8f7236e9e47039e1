"""The window on the real application and emulator (offscreen): a backend that cannot open shows the
connection banner, Retry brings the conversation up; a key the service refuses is said in the key dialog."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.core.errors import ConfigError
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.live.backend import Backend
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.secrets import KeyStore
from desktop_app.services.app_controller import AppController
from desktop_app.services.backend import OFFLINE_NOTICE, BackendHandle, _resilient
from desktop_app.ui.window_app import WindowApp
from desktop_app.ui.window_memory import WindowMemory
from desktop_app.ui.window_ports import WindowPorts
from tests.ui.conftest import MemoryKeyring
from tests.ui.test_window_with_controller import MemoryAudio, QueueMicrophone

pytestmark = pytest.mark.integration

BAD_KEY = "AIzaSy-refused-by-the-emulator-0000000"


@pytest.fixture
def flaky_app(qtbot: QtBot, tmp_path: Path) -> Iterator[WindowApp]:
    """The window on an emulator whose backend fails to open the first time; it refuses ``BAD_KEY``."""
    loop = LoopThread("recover-window-loop")
    audio = MemoryAudio(QueueMicrophone(loop))
    failures = [1]
    emulators: list[Emulator] = []

    @asynccontextmanager
    async def opener(_settings: Settings) -> AsyncIterator[BackendHandle]:
        if failures[0]:
            failures[0] -= 1
            raise ConfigError("The backend could not be started (test).")
        async with Emulator(EmulatorConfig(pace=0.0, rejected_keys=frozenset({BAD_KEY}))) as emu:
            emulators.append(emu)
            backend = Backend("emulator", "offline", emu.base_url, emu.client_ssl_context())
            yield BackendHandle(_resilient(backend), backend, OFFLINE_NOTICE)

    def key_target(key: str) -> Backend:
        emu = emulators[-1]
        return Backend("emulator", key, emu.base_url, emu.client_ssl_context())

    def factory(settings: Settings, publish: Any) -> AppController:
        controller = build_app(
            settings,
            Mode.WINDOW,
            publish,
            audio_opener=lambda options, event_loop, on_event: audio,  # type: ignore[arg-type,return-value]
            backend_opener=opener,
            save=lambda _s: None,
        )
        controller.services.backend.key_target = key_target
        return controller

    app = WindowApp(
        Settings(backend="emulator", emulator_pace=0.0, relay_port=0),
        factory,
        WindowPorts(
            key_store=KeyStore(tmp_path, backend=MemoryKeyring()),
            memory=WindowMemory(tmp_path / "window.ini"),
        ),
        loop=loop,
    )
    app.start()
    try:
        yield app
    finally:
        if not app.done:
            with qtbot.waitSignal(app.finished, timeout=20_000):
                app.window.close()
        app.window.deleteLater()


def test_retry_brings_up_what_could_not_start_and_a_refused_key_is_said_in_the_dialog(
    qtbot: QtBot, flaky_app: WindowApp
) -> None:
    w = flaky_app.window
    qtbot.waitUntil(lambda: w.error_banner.isVisible(), timeout=20_000)
    assert w.error_banner.title.text() == "The offline demo could not be started"  # backend="emulator"
    w.error_banner.details_button.click()
    assert "could not be started (test)" in w.error_banner.detail.text()

    w.error_banner.retry_button.click()
    qtbot.waitUntil(lambda: w.pill.plain_text == "Demo", timeout=20_000)
    qtbot.waitUntil(lambda: not w.error_banner.isVisible(), timeout=5000)
    assert w.banner.isVisible(), "the demo says what it is"

    w.composer.setText("are you there?")
    w.send_typed()
    qtbot.waitUntil(
        lambda: any(k == "model" and "are you there?" in t for k, t in w.transcript_view.visible_texts()),
        timeout=20_000,
    )
    assert not [e for e in w.transcript.entries if e.not_sent]

    dialog = w.open_settings()
    dialog.gemini.api_key.setText(BAD_KEY)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.gemini.key_problem.text() != "", timeout=20_000)
    assert "API Key not found" in dialog.gemini.key_problem.text()
    assert dialog.isVisible() and BAD_KEY not in dialog.gemini.key_problem.text()
    dialog.reject()
