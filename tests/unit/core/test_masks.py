"""Privacy masks as data: geometry in fractions of the frame, the settings form, and the CLI form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.config import Settings, load_settings, save_settings
from desktop_app.core.errors import ConfigError
from desktop_app.core.masks import (
    MIN_MASK_FRACTION,
    MaskRect,
    format_mask_entry,
    masks_for,
    parse_mask,
    parse_mask_entry,
    replace_masks,
)


def test_pixel_box_scales_with_the_frame() -> None:
    mask = MaskRect(0.25, 0.5, 0.5, 0.25)
    assert mask.pixel_box(1280, 720) == (320, 360, 640, 180)
    assert mask.pixel_box(640, 480) == (160, 240, 320, 120)  # same part of the scene at another size


def test_pixel_box_grows_to_whole_pixels_and_stays_inside() -> None:
    assert MaskRect(0.1, 0.1, 0.01, 0.01).pixel_box(50, 50) == (5, 5, 1, 1)  # never empty
    assert MaskRect(0.333, 0, 0.334, 1).pixel_box(100, 10) == (33, 0, 34, 10)  # 33.3 → 66.7: out to 33–67
    assert MaskRect(0.9, 0.9, 0.1, 0.1).pixel_box(7, 3) == (6, 2, 1, 1)


@given(
    st.floats(0, 1),
    st.floats(0, 1),
    st.floats(0, 1),
    st.floats(0, 1),
    st.integers(1, 4000),
    st.integers(1, 4000),
)
def test_any_drag_gives_a_mask_inside_any_frame(
    x0: float, y0: float, x1: float, y1: float, width: int, height: int
) -> None:
    mask = MaskRect.from_corners(x0, y0, x1, y1)
    if mask is None:
        assert abs(x1 - x0) < MIN_MASK_FRACTION + 1e-3 or abs(y1 - y0) < MIN_MASK_FRACTION + 1e-3
        return
    left, top, w, h = mask.pixel_box(width, height)
    assert left >= 0 and left + w <= width and top >= 0 and top + h <= height and w >= 1 and h >= 1
    # the box grows outward to whole pixels: it covers every pixel the mask touches
    assert left <= mask.left * width + 1e-6 and left + w >= min(width, mask.right * width - 1e-6)
    assert parse_mask_entry(format_mask_entry("camera 0", mask)) == ("camera 0", mask)


def test_from_corners_clips_orders_and_refuses_a_click() -> None:
    assert MaskRect.from_corners(0.8, 0.9, 1.4, -0.2) == MaskRect(0.8, 0, 0.2, 0.9)
    assert MaskRect.from_corners(0.5, 0.5, 0.501, 0.9) is None
    assert MaskRect.from_corners(1.2, 0.1, 1.5, 0.5) is None  # wholly outside the frame


@pytest.mark.parametrize(
    "values", [(0, 0, 0, 0.5), (0.8, 0, 0.3, 0.1), (-0.1, 0, 0.5, 0.5), (0, 0, float("nan"), 0.1)]
)
def test_a_mask_outside_the_frame_or_empty_is_refused(values: tuple[float, ...]) -> None:
    with pytest.raises(ConfigError, match="privacy mask"):
        MaskRect(*values)


def test_contains_includes_edges() -> None:
    mask = MaskRect(0.2, 0.2, 0.3, 0.3)
    assert mask.contains(0.2, 0.5) and mask.contains(0.35, 0.35)
    assert not mask.contains(0.19, 0.3) and not mask.contains(0.3, 0.51)


def test_cli_form_is_fractions() -> None:
    assert parse_mask("0.6,0,0.4,0.3") == MaskRect(0.6, 0, 0.4, 0.3)
    assert parse_mask(" .5 , .25, 0.5 ,0.5") == MaskRect(0.5, 0.25, 0.5, 0.5)
    with pytest.raises(ConfigError, match="fractions of the frame"):
        parse_mask("100,200,50x50")
    with pytest.raises(ConfigError, match="inside the frame"):
        parse_mask("100,200,50,50")  # pixels are not accepted: the message says fractions


def test_settings_entries_are_readable_and_per_source() -> None:
    a, b = MaskRect(0.6, 0, 0.4, 0.3), MaskRect(0.1, 0.2, 0.25, 0.125)
    assert format_mask_entry("camera 0", a) == "camera 0: 0.6 0 0.4 0.3"
    entries = (
        "camera 0: 0.6 0 0.4 0.3",
        "screen 1: 0 0 0.5 0.1",
        "stream rtsp://host:554/x: 0.1 0.2 0.25 0.125",
    )
    assert masks_for(entries, "camera 0") == (a,)
    assert masks_for(entries, "stream rtsp://host:554/x") == (b,)  # a colon in the label is fine
    assert masks_for(entries, "camera 1") == ()
    replaced = replace_masks(entries, "camera 0", [b, a])
    assert replaced == (entries[1], entries[2], "camera 0: 0.1 0.2 0.25 0.125", "camera 0: 0.6 0 0.4 0.3")
    assert masks_for(replace_masks(replaced, "camera 0", []), "camera 0") == ()


@pytest.mark.parametrize(
    "entry", ["0.1 0.2 0.3 0.4", "camera 0: 0.1 0.2 0.3", "camera 0: a b c d", ": 0 0 1 1"]
)
def test_a_malformed_entry_says_how_to_write_it(entry: str) -> None:
    with pytest.raises(ConfigError, match="mask"):
        parse_mask_entry(entry)


def test_masks_survive_settings_json_and_come_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    masks = ("camera 0: 0.6 0 0.4 0.3", "file clip.mp4: 0 0.5 1 0.5")
    save_settings(Settings(video_masks=masks, video_speech_aware=True), path)
    stored = json.loads(path.read_text())
    assert stored["video_masks"] == list(masks) and stored["video_speech_aware"] is True
    assert load_settings(env={}, path=path).video_masks == masks
    env = {
        "GLD_VIDEO_MASKS": "camera 0: 0.6 0 0.4 0.3, screen 1: 0 0 0.5 0.5",
        "GLD_VIDEO_SPEECH_AWARE": "on",
    }
    loaded = load_settings(env=env, path=tmp_path / "absent.json")
    assert loaded.video_masks == ("camera 0: 0.6 0 0.4 0.3", "screen 1: 0 0 0.5 0.5")
    assert loaded.video_speech_aware


def test_a_bad_mask_in_the_settings_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="inside the frame"):
        load_settings(env={"GLD_VIDEO_MASKS": "camera 0: 0.9 0 0.4 0.3"}, path=tmp_path / "x.json")
