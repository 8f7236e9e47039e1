from __future__ import annotations

import pytest

from desktop_app.core.errors import ConfigError
from desktop_app.video import source_from_flags


def test_no_flags_no_source() -> None:
    assert source_from_flags() is None


def test_video_flag() -> None:
    source = source_from_flags(video="2")
    assert source is not None and source.label == "camera 2"
    source.close()  # never started: closing is immediate


def test_bare_screen_flag_is_monitor_one() -> None:
    source = source_from_flags(screen="")
    assert source is not None and source.label == "screen 1"
    source.close()


def test_screen_zero_and_both_flags_are_refused() -> None:
    with pytest.raises(ConfigError, match="every monitor"):
        source_from_flags(screen="0")
    with pytest.raises(ConfigError, match="not both"):
        source_from_flags(video="0", screen="1")


def test_a_closed_source_cannot_start() -> None:
    source = source_from_flags(video="clip.mp4")
    assert source is not None
    source.close()
    with pytest.raises(RuntimeError):
        source.start()
