"""Vision is switched on only by the user (issue 18): choosing a camera in the settings does not turn it
on, the window starting idle leaves the saved camera off, and stopping a share returns to the camera that
was on before it (not to nothing)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

import pytest

from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.live.fake_session import FakeConnector
from desktop_app.services import vision as vision_module
from desktop_app.services.app_controller import AppController
from desktop_app.services.vision import VisionService
from tests.unit.services.fakes import Events, FakeAudio, FakeCamera, fake_backend


class Opened:
    """Stands in for the source factories: remembers what was opened, gives a fake camera each time."""

    def __init__(self) -> None:
        self.cameras: list[str] = []
        self.screens: list[str | None] = []

    def camera(self, spec: str) -> FakeCamera:
        self.cameras.append(spec)
        return FakeCamera()

    def screen(self, spec: str | None) -> FakeCamera:
        self.screens.append(spec)
        source = FakeCamera()
        source.label = f"screen {spec or 1}"  # type: ignore[misc]
        return source


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Opened:
    opened = Opened()
    monkeypatch.setattr(vision_module, "open_video_source", opened.camera)
    monkeypatch.setattr(vision_module, "open_screen_source", opened.screen)
    return opened


def window(settings: Settings, events: Events, *, idle: bool) -> AppController:
    return build_app(
        settings,
        Mode.WINDOW,
        events,
        audio_opener=lambda _options, _loop, _publish: FakeAudio(),  # type: ignore[arg-type,return-value]
        backend_opener=fake_backend(FakeConnector),
        save=lambda _s: None,
        start_idle=idle,
    )


def vision_of(app: AppController) -> VisionService:
    assert app.services.vision is not None
    return app.services.vision


async def run(app: AppController, body: Callable[[VisionService], Awaitable[None]] | None = None) -> None:
    """Start ``app``, run ``body`` with its vision service, stop it."""
    await app.start()
    try:
        if body is not None:
            await body(vision_of(app))
    finally:
        await app.stop()


async def test_choosing_a_camera_in_the_settings_does_not_switch_it_on(opened: Opened) -> None:
    settings = Settings(history=False, relay_port=0)
    app = window(settings, Events(), idle=True)

    async def body(vision: VisionService) -> None:
        await app.apply_settings(dataclasses.replace(settings, video_source="2"))
        assert vision.camera is None and vision.pump is None and opened.cameras == []
        assert app.running().conversation is None  # and nothing opened a session either
        await app.set_camera("2")  # the Camera button: now it is on
        assert vision.camera == "2" and opened.cameras == ["2"]
        await app.apply_settings(dataclasses.replace(settings, video_source="3"))  # a camera that is on
        assert vision.camera == "3" and opened.cameras == ["2", "3"]  # … is replaced by the new choice

    await run(app, body)


async def test_the_saved_camera_stays_off_when_the_window_starts_idle(opened: Opened) -> None:
    app = window(Settings(history=False, relay_port=0, video_source="1"), Events(), idle=True)
    await run(app)
    assert opened.cameras == []
    listening = window(Settings(history=False, relay_port=0, video_source="1"), Events(), idle=False)
    await run(listening)
    assert opened.cameras == ["1"]  # "Start listening at launch": today's behaviour


async def test_stopping_a_share_returns_to_the_camera_that_was_on(opened: Opened) -> None:
    settings = Settings(history=False, relay_port=0)
    app = window(settings, Events(), idle=True)

    async def body(vision: VisionService) -> None:
        await app.set_camera("0")
        await app.set_screen("2")
        assert vision.camera is None and vision.screen == "2"
        assert app.input_state.screen_label == "screen 2"
        await app.set_screen("1")  # another share in between keeps the camera to return to
        await app.set_screen(None)
        assert vision.camera == "0" and vision.screen is None and opened.cameras == ["0", "0"]
        assert app.input_state.camera == "0" and app.input_state.screen_label == ""

    await run(app, body)


async def test_stopping_a_share_started_with_vision_off_leaves_it_off(opened: Opened) -> None:
    app = window(Settings(history=False, relay_port=0), Events(), idle=True)

    async def body(vision: VisionService) -> None:
        await app.set_screen("1")
        assert app.running().conversation is not None  # sharing is a deliberate act: the session opens
        await app.set_screen(None)
        assert vision.camera is None and vision.screen is None and opened.cameras == []

    await run(app, body)
