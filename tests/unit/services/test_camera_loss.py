"""A camera that ends or dies after it was live: one notice, vision off, audio untouched; a camera that
never came up stays on offer for a retry."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.core.app_events import InputState
from desktop_app.core.events import ErrorEvent
from desktop_app.core.media_events import VideoState, VideoStatus
from desktop_app.live.fake_session import FakeConnector
from desktop_app.services import vision as vision_module
from desktop_app.services.app_controller import AppController
from desktop_app.video.source import SourceStatus
from tests.unit.services.fakes import Events, FakeAudio, fake_backend


class DyingCamera:
    """A source the test drives: :meth:`become` changes its state and wakes the pump."""

    label = "camera 0"

    def __init__(self) -> None:
        self._status = SourceStatus(VideoState.STARTING)
        self._wake: Callable[[], None] | None = None
        self.closed = False

    def start(self, on_change: Callable[[], None] | None = None) -> None:
        self._wake = on_change

    def become(self, state: VideoState, message: str = "") -> None:
        self._status = SourceStatus(state, message)
        assert self._wake is not None
        self._wake()

    def status(self) -> SourceStatus:
        return self._status

    def latest(self) -> None:
        return None

    def close(self, timeout: float = 5.0) -> None:
        self.closed = True


def _app(events: Events, audio: FakeAudio) -> AppController:
    return build_app(
        Settings(history=False),
        Mode.HEADLESS_LIVE,
        events,
        audio_opener=lambda _options, _loop, _publish: audio,  # type: ignore[arg-type,return-value]
        backend_opener=fake_backend(FakeConnector),
        save=lambda _s: None,
    )


@pytest.mark.parametrize(
    ("state", "message", "said"),
    [
        (
            VideoState.UNAVAILABLE,
            "camera 0 failed: read error.",
            "Camera 0 stopped working (camera 0 failed: read",
        ),
        (VideoState.ENDED, "", "Camera 0 ended. Vision is off; audio goes on."),
    ],
)
async def test_a_live_camera_that_dies_or_ends_is_one_notice_and_vision_off_with_audio_untouched(
    monkeypatch: pytest.MonkeyPatch, state: VideoState, message: str, said: str
) -> None:
    camera = DyingCamera()
    monkeypatch.setattr(vision_module, "open_video_source", lambda _spec: camera)
    events, audio = Events(), FakeAudio()
    app = _app(events, audio)
    await app.start()
    try:
        await app.set_camera("0")
        await events.wait_for(lambda e: isinstance(e, VideoStatus) and e.state is VideoState.STARTING)
        camera.become(VideoState.LIVE)
        await events.wait_for(lambda e: isinstance(e, VideoStatus) and e.state is VideoState.LIVE)
        camera.become(state, message)
        await events.wait_for(lambda e: isinstance(e, ErrorEvent) and e.code == "video_lost")
        lost_at = len(events.seen)
        off = await events.wait_for(
            lambda e: (
                isinstance(e, InputState)
                and e.camera is None
                and any(seen is e for seen in events.seen[lost_at:])
            )
        )
        assert isinstance(off, InputState), "the window hears that vision is off"
        notices = [e for e in events.errors() if e.code.startswith("video")]
        assert len(notices) == 1 and notices[0].code == "video_lost", notices
        assert notices[0].message.startswith(said) and "Vision is off; audio goes on." in notices[0].message
        vision = app.services.vision
        assert vision is not None and vision.pump is None and vision.camera is None and camera.closed
        audio_service = app.services.audio
        assert audio_service is not None and audio_service.audio is audio and not audio.source.closed
        assert audio_service.openings == 1, "the microphone and speaker were not reopened"
    finally:
        await app.stop()


async def test_a_camera_that_never_came_up_stays_on_offer_for_a_retry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    camera = DyingCamera()
    monkeypatch.setattr(vision_module, "open_video_source", lambda _spec: camera)
    events, audio = Events(), FakeAudio()
    app = _app(events, audio)
    await app.start()
    try:
        await app.set_camera("0")
        await events.wait_for(lambda e: isinstance(e, VideoStatus) and e.state is VideoState.STARTING)
        camera.become(VideoState.UNAVAILABLE, "Camera 0 is not connected.")
        error = await events.wait_for(lambda e: isinstance(e, ErrorEvent) and e.code == "video_unavailable")
        assert isinstance(error, ErrorEvent) and error.retryable
        vision = app.services.vision
        assert vision is not None and vision.pump is not None and vision.camera == "0"
    finally:
        await app.stop()
