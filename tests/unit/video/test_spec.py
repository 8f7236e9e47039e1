from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.errors import ConfigError
from desktop_app.video.spec import (
    Region,
    ScreenSpec,
    VideoKind,
    parse_screen_spec,
    parse_video_spec,
)


@pytest.mark.parametrize(
    ("text", "kind", "index"),
    [("0", VideoKind.DEVICE, 0), (" 2 ", VideoKind.DEVICE, 2), (3, VideoKind.DEVICE, 3)],
)
def test_camera_index(text: str | int, kind: VideoKind, index: int) -> None:
    spec = parse_video_spec(text)
    assert (spec.kind, spec.index) == (kind, index)
    assert spec.label == f"camera {index}"


def test_dev_video_path_is_a_camera() -> None:
    spec = parse_video_spec("/dev/video4")
    assert (spec.kind, spec.index) == (VideoKind.DEVICE, 4)


def test_file_and_file_url() -> None:
    spec = parse_video_spec("clips/demo.mp4")
    assert spec.kind is VideoKind.FILE and spec.path == Path("clips/demo.mp4")
    assert spec.label == "file demo.mp4"
    assert parse_video_spec("file:///tmp/x.avi").path == Path("/tmp/x.avi")


def test_stream_url_label_hides_credentials() -> None:
    spec = parse_video_spec("rtsp://admin:hunter2@cam.local:554/live")
    assert spec.kind is VideoKind.URL and spec.url.endswith("/live")
    assert "hunter2" not in spec.label and "cam.local" in spec.label


@pytest.mark.parametrize("bad", ["", "   ", "-1"])
def test_bad_video_specs_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_video_spec(bad)


def test_screen_default_is_monitor_one() -> None:
    assert parse_screen_spec(None) == ScreenSpec(monitor=1)
    assert parse_screen_spec("") == ScreenSpec(monitor=1)
    assert parse_screen_spec("2").monitor == 2


def test_whole_desktop_needs_explicit_permission() -> None:
    with pytest.raises(ConfigError, match="every monitor"):
        parse_screen_spec("0")
    with pytest.raises(ConfigError):
        ScreenSpec(monitor=0)
    assert parse_screen_spec("0", allow_all_monitors=True).label == "whole desktop"


def test_screen_region() -> None:
    spec = parse_screen_spec("10,20,640x480")
    assert spec.region == Region(10, 20, 640, 480)
    assert (spec.region.right, spec.region.bottom) == (650, 500)
    assert Region.parse("0, 0, 8, 6") == Region(0, 0, 8, 6)


@pytest.mark.parametrize("bad", ["10,20", "a,b,cxd", "0,0,0x10"])
def test_bad_regions(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_screen_spec(bad)
