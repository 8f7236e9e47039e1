"""``--mask`` and ``--video-speech-aware``: what the command line makes of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.cli import _overrides, _with_cli_masks, build_parser, main
from desktop_app.config import Settings, load_settings
from desktop_app.core.masks import MaskRect, masks_for


def settings_from(argv: list[str], tmp_path: Path, stored: dict[str, object] | None = None) -> Settings:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(stored or {}))
    args = build_parser().parse_args(argv)
    return _with_cli_masks(load_settings(_overrides(args), env={}, path=path), args)


def test_help_says_the_mask_is_in_fractions() -> None:
    text = " ".join(build_parser().format_help().split())
    assert "--mask L,T,W,H" in text and "FRACTIONS of the frame (0-1, not pixels)" in text


def test_masks_replace_the_saved_ones_of_the_named_source_only(tmp_path: Path) -> None:
    stored = {"video_masks": ["camera 0: 0 0 0.1 0.1", "screen 1: 0 0 0.5 0.5"]}
    s = settings_from(["--video", "0", "--mask", "0.6,0,0.4,0.3", "--mask", "0,0.5,1,0.5"], tmp_path, stored)
    assert masks_for(s.video_masks, "camera 0") == (MaskRect(0.6, 0, 0.4, 0.3), MaskRect(0, 0.5, 1, 0.5))
    assert masks_for(s.video_masks, "screen 1") == (MaskRect(0, 0, 0.5, 0.5),)


@pytest.mark.parametrize(
    ("argv", "label"),
    [
        (["--screen"], "screen 1"),
        (["--screen", "2"], "screen 2"),
        (["--video", "clip.mp4"], "file clip.mp4"),
        ([], "camera 0"),  # the camera the window opens by default
    ],
)
def test_masks_go_to_the_source_on_the_command_line(argv: list[str], label: str, tmp_path: Path) -> None:
    s = settings_from([*argv, "--mask", "0.25,0.25,0.5,0.5"], tmp_path)
    assert s.video_masks == (f"{label}: 0.25 0.25 0.5 0.5",)


def test_without_mask_the_saved_masks_stay(tmp_path: Path) -> None:
    stored = {"video_masks": ["camera 0: 0 0 0.1 0.1"], "video_source": "2"}
    assert settings_from([], tmp_path, stored).video_masks == ("camera 0: 0 0 0.1 0.1",)
    # with a saved camera and no --video, --mask applies to the saved camera
    s = settings_from(["--mask", "0,0,1,1"], tmp_path, stored)
    assert masks_for(s.video_masks, "camera 2") == (MaskRect(0, 0, 1, 1),)


def test_speech_aware_flag(tmp_path: Path) -> None:
    assert not settings_from([], tmp_path).video_speech_aware
    assert settings_from(["--video-speech-aware"], tmp_path).video_speech_aware


@pytest.mark.parametrize("mask", ["100,100,50,50", "0.5,0.5,0.6,0.1", "a,b,c,d"])
def test_a_bad_mask_is_one_line_and_exit_code_2(
    mask: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GLD_CONFIG_DIR", str(tmp_path))
    assert main(["--list-devices", "--mask", mask]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "mask" in err and err.count("\n") == 1
