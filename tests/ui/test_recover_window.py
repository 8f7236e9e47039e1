"""The window on the real application and emulator (offscreen): a backend that cannot open shows the
connection banner, Retry brings the conversation up; a key the service refuses is said in the key dialog."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.core.errors import ConfigError
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.live.backend import Backend
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.services.app_controller import AppController
from desktop_app.services.backend import OFFLINE_NOTICE, BackendHandle, _resilient
from desktop_app.ui.window_app import WindowApp
from tests.ui.desktop_harness import started_window
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

    with started_window(
        qtbot, Settings(backend="emulator", emulator_pace=0.0, relay_port=0), factory, tmp_path, loop
    ) as app:
        yield app


def test_retry_brings_up_what_could_not_start_and_a_refused_key_is_said_in_the_dialog(
    qtbot: QtBot, flaky_app: WindowApp
) -> None:
    w = flaky_app.window
    qtbot.waitUntil(lambda: w.error_banner.isVisible(), timeout=20_000)
    assert w.error_banner.title.text() == "The offline demo could not be started"  # backend="emulator"
    w.error_banner.details_button.click()
    assert "could not be started (test)" in w.error_banner.detail.text()

    w.error_banner.retry_button.click()
    qtbot.waitUntil(lambda: w.backend is not None and w.backend.name == "emulator", timeout=20_000)
    qtbot.waitUntil(lambda: not w.error_banner.isVisible(), timeout=5000)
    assert w.banner.isVisible(), "the demo says what it is"
    qtbot.waitUntil(lambda: w.events_seen.get("InputState", 0) > 0, timeout=20_000)  # start() finished

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


@pytest.fixture
def first_run(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[WindowApp, MemoryAudio]]:
    """A first launch without a key: the offline demo answers; with a key, "Gemini" (here an emulator that
    takes any key but ``BAD_KEY``) does."""
    loop = LoopThread("first-run-loop")
    audio = MemoryAudio(QueueMicrophone(loop))
    emulators: list[Emulator] = []

    @asynccontextmanager
    async def opener(settings: Settings) -> AsyncIterator[BackendHandle]:
        async with Emulator(EmulatorConfig(pace=0.0, rejected_keys=frozenset({BAD_KEY}))) as emu:
            emulators.append(emu)
            name, notice = ("gemini", "") if settings.api_key else ("emulator", OFFLINE_NOTICE)
            backend = Backend(name, settings.api_key or "offline", emu.base_url, emu.client_ssl_context())
            yield BackendHandle(_resilient(backend), backend, notice)

    def factory(settings: Settings, publish: Any) -> AppController:
        controller = build_app(
            settings,
            Mode.WINDOW,
            publish,
            audio_opener=lambda options, event_loop, on_event: audio,  # type: ignore[arg-type,return-value]
            backend_opener=opener,
            save=lambda _s: None,
        )
        controller.services.backend.key_target = lambda key: Backend(
            "gemini", key, emulators[-1].base_url, emulators[-1].client_ssl_context()
        )
        return controller

    with started_window(qtbot, Settings(emulator_pace=0.0, relay_port=0), factory, tmp_path, loop) as app:
        yield app, audio


def test_from_the_first_launch_to_gemini_with_a_key_and_a_voice_preview(
    qtbot: QtBot, first_run: tuple[WindowApp, MemoryAudio]
) -> None:
    app, audio = first_run
    w = app.window
    qtbot.waitUntil(lambda: w.banner.isVisible(), timeout=20_000)
    w.banner.button.click()  # "Add API key…"
    dialog = w.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.gemini.api_key.hasFocus(), timeout=5000)
    assert not dialog.gemini.preview.isEnabled(), "no key yet: no preview"
    qtbot.keyClicks(dialog.gemini.api_key, "AIzaSy-first-run-key-000000000000000")
    qtbot.keyClick(dialog.gemini.api_key, Qt.Key.Key_Return)  # Enter saves (after the check)
    qtbot.waitUntil(lambda: w.settings.api_key == "AIzaSy-first-run-key-000000000000000", timeout=20_000)
    qtbot.waitUntil(lambda: w.backend is not None and w.backend.name == "gemini", timeout=20_000)
    assert not w.banner.isVisible(), "the demo banner goes with the demo"
    assert not w.error_banner.isVisible()

    dialog = w.open_settings()
    assert dialog.gemini.preview.isEnabled(), "with a key, the voice can be previewed"
    dialog.gemini.voice.setCurrentIndex(dialog.gemini.voice.findData("Kore"))
    audio.sink.played.clear()
    dialog.gemini.preview.click()
    qtbot.waitUntil(lambda: dialog.gemini.preview.text() == "Preview", timeout=20_000)
    assert not dialog.gemini.form.isRowVisible(dialog.gemini.preview_note), dialog.gemini.preview_note.text()
    assert audio.sink.played, "the preview was spoken through the speaker"
    dialog.reject()
