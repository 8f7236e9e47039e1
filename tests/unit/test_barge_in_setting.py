"""The ``local_barge_in`` setting: on by default, off by the environment, the flag or the file."""

from __future__ import annotations

import json
from pathlib import Path

from desktop_app.cli import _overrides, build_parser
from desktop_app.config import Section, Settings, load_settings, section_of


def _load(tmp_path: Path, argv: list[str], env: dict[str, str], stored: dict[str, object]) -> Settings:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(stored))
    return load_settings(_overrides(build_parser().parse_args(argv)), env=env, path=path)


def test_on_by_default_and_an_audio_setting(tmp_path: Path) -> None:
    assert _load(tmp_path, [], {}, {}).local_barge_in is True
    assert section_of("local_barge_in") is Section.AUDIO  # a change reopens the devices with it


def test_turned_off_by_the_environment_the_flag_or_the_file(tmp_path: Path) -> None:
    assert _load(tmp_path, [], {"GLD_LOCAL_BARGE_IN": "0"}, {}).local_barge_in is False
    assert _load(tmp_path, ["--no-barge-in"], {}, {}).local_barge_in is False
    assert _load(tmp_path, [], {}, {"local_barge_in": False}).local_barge_in is False
    assert _load(tmp_path, [], {"GLD_LOCAL_BARGE_IN": "0"}, {}).public_dict()["local_barge_in"] is False
