"""OpenCvGrabber against real files written by OpenCV, a real HTTP stream, and absent devices."""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest

from desktop_app.core.errors import MediaError
from desktop_app.video.camera import OpenCvGrabber
from desktop_app.video.capture import EndOfStream
from desktop_app.video.spec import parse_video_spec
from desktop_app.video.synthetic import pattern_frame, pattern_index


def write_clip(path: Path, frames: int, fps: float = 25.0, size: tuple[int, int] = (320, 240)) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
    assert writer.isOpened()
    for i in range(frames):
        writer.write(pattern_frame(i, *size))
    writer.release()
    return path


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clip(tmp_path_factory.mktemp("clips") / "clip.mp4", frames=12)


def test_file_frames_in_order_then_end_and_rewind(clip: Path) -> None:
    grabber = OpenCvGrabber(parse_video_spec(str(clip)))
    info = grabber.open()
    try:
        assert (info.width, info.height, info.pace_fps) == (320, 240, 25.0)
        indices = [pattern_index(grabber.grab()) for _ in range(12)]
        assert indices == list(range(12))
        with pytest.raises(EndOfStream):
            grabber.grab()
        grabber.rewind()
        first = grabber.grab()
        assert first.shape == (240, 320, 3) and pattern_index(first) == 0
    finally:
        grabber.close()
        grabber.close()  # twice is fine


def test_missing_file(tmp_path: Path) -> None:
    grabber = OpenCvGrabber(parse_video_spec(str(tmp_path / "nope.mp4")))
    with pytest.raises(MediaError, match="does not exist"):
        grabber.open()
    grabber.close()


def test_unreadable_file(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.mp4"
    bogus.write_text("this is not a video")
    grabber = OpenCvGrabber(parse_video_spec(str(bogus)))
    with pytest.raises(MediaError, match="could not be read"):
        grabber.open()
    grabber.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the /dev/videoN check is Linux's")
def test_missing_camera_index_is_a_clear_message() -> None:
    index = next(i for i in range(60, 100) if not Path(f"/dev/video{i}").exists())
    grabber = OpenCvGrabber(parse_video_spec(str(index)))
    with pytest.raises(MediaError, match=rf"Camera {index} is not connected.*audio goes on"):
        grabber.open()
    grabber.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_root(clip: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(clip.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_stream_url_over_real_http(http_root: str) -> None:
    grabber = OpenCvGrabber(parse_video_spec(f"{http_root}/clip.mp4"), stream_timeout_s=5)
    info = grabber.open()
    try:
        assert info.pace_fps is None  # a stream is paced by its sender, not by us
        assert [pattern_index(grabber.grab()) for _ in range(3)] == [0, 1, 2]
    finally:
        grabber.close()


def test_unreachable_stream_url() -> None:
    grabber = OpenCvGrabber(parse_video_spec("http://127.0.0.1:9/none.mp4"), stream_timeout_s=2)
    with pytest.raises(MediaError, match="could not be opened"):
        grabber.open()
    grabber.close()


def test_skip_passes_over_frames_without_losing_the_files_place(clip: Path) -> None:
    grabber = OpenCvGrabber(parse_video_spec(str(clip)))
    grabber.open()
    try:
        kept = []
        for i in range(12):
            if i % 3 == 0:
                kept.append(pattern_index(grabber.grab()))
            else:
                grabber.skip()
        assert kept == [0, 3, 6, 9]
        with pytest.raises(EndOfStream):
            grabber.skip()
    finally:
        grabber.close()
