import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from desktop_app.config import Settings, load_settings, save_settings
from desktop_app.core.errors import ConfigError


def test_layers_apply_in_order(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"model": "from-file", "voice": "Kore", "block_ms": 40}))
    env = {"GLD_VOICE": "Leda", "GLD_BLOCK_MS": "30", "GEMINI_API_KEY": "k-env"}
    s = load_settings({"block_ms": 10}, env=env, path=path)
    assert s.model == "from-file"  # file beats default
    assert s.voice == "Leda"  # env beats file
    assert s.block_ms == 10  # flag beats env
    assert s.api_key == "k-env"


def test_defaults_without_file_or_env(tmp_path: Path) -> None:
    s = load_settings(env={}, path=tmp_path / "absent.json")
    assert s == Settings()
    assert s.api_key is None and s.backend == "auto"


def test_bad_values_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="block_ms"):
        load_settings({"block_ms": 500}, env={}, path=tmp_path / "x.json")
    with pytest.raises(ConfigError, match="echo_cancellation"):
        load_settings(env={"GLD_ECHO_CANCELLATION": "maybe"}, path=tmp_path / "x.json")


_SET_ASIDE = pytest.mark.allow_warnings("desktop_app.config", "Default settings are used instead")


@_SET_ASIDE
@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "cannot be read"),
        (b"\xff\xfe\x00garbage", "cannot be read"),
        ("[1, 2]", "must hold a JSON object"),
        (json.dumps({"colour": "red"}), "unknown settings: colour"),
        (json.dumps({"block_ms": 500}), "block_ms"),
    ],
)
def test_an_unusable_settings_file_is_moved_aside_and_defaults_are_used_with_a_notice(
    tmp_path: Path, content: str | bytes, reason: str
) -> None:
    path = tmp_path / "settings.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    original = path.read_bytes()
    notices: list[str] = []
    s = load_settings({"voice": "Kore"}, env={"GLD_MODEL": "m-env"}, path=path, notices=notices)
    assert s == Settings(voice="Kore", model="m-env")  # defaults, then env and flags still apply
    assert len(notices) == 1 and reason in notices[0]
    assert "Default settings are used instead" in notices[0]
    assert not path.exists()
    (aside,) = tmp_path.glob("settings.json.corrupt-*")
    assert aside.read_bytes() == original  # nothing the user had is lost
    assert str(aside) in notices[0]
    assert load_settings(env={}, path=path, notices=notices) == Settings() and len(notices) == 1


@_SET_ASIDE
def test_a_settings_file_that_cannot_be_moved_aside_is_left_and_the_notice_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)  # root ignores directory modes, so refuse directly
    notices: list[str] = []
    assert load_settings(env={}, path=path, notices=notices) == Settings()
    assert "could not be moved aside" in notices[0] and "Permission denied" in notices[0]
    assert path.read_text() == "{not json"


def test_save_round_trips_and_never_writes_the_key(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "settings.json"
    s = Settings(api_key="secret-key-value", voice="Kore", relay_allow_origins=("http://a:1",))
    save_settings(s, path)
    assert "secret-key-value" not in path.read_text()
    loaded = load_settings(env={}, path=path)
    assert loaded.voice == "Kore" and loaded.relay_allow_origins == ("http://a:1",)
    assert loaded.api_key is None
    assert "secret-key-value" not in repr(s)


def test_record_audio_is_off_by_default_and_layers_like_the_rest(tmp_path: Path) -> None:
    from desktop_app.cli import _overrides, build_parser

    path = tmp_path / "settings.json"
    assert load_settings(env={}, path=path).record_audio is False
    assert load_settings(env={"GLD_RECORD_AUDIO": "yes"}, path=path).record_audio is True
    save_settings(Settings(record_audio=True), path)
    assert json.loads(path.read_text())["record_audio"] is True
    assert load_settings(env={}, path=path).record_audio is True
    path.unlink()
    flags = _overrides(build_parser().parse_args(["--record-audio"]))
    assert load_settings(flags, env={}, path=path).record_audio is True
    assert "record_audio" not in _overrides(build_parser().parse_args([]))


def test_a_voice_is_one_of_geminis_in_any_case_and_kept_in_its_own_spelling(tmp_path: Path) -> None:
    assert load_settings({"voice": "kore"}, env={}, path=tmp_path / "none.json").voice == "Kore"
    with pytest.raises(ConfigError, match=r"voice='Bogus' is not a Gemini voice; choose one of .*Puck"):
        load_settings({"voice": "Bogus"}, env={}, path=tmp_path / "none.json")
    with pytest.raises(ConfigError, match="not a Gemini voice"):
        load_settings(env={"GLD_VOICE": "nobody"}, path=tmp_path / "none.json")


def test_changed_sections_names_only_the_parts_that_differ() -> None:
    from desktop_app.config import Section, changed_fields, changed_sections, section_of

    old = Settings()
    new = replace(old, model="gemini-live-x", output_volume=0.5, relay_port=9099)
    assert changed_fields(old, new) == {"model", "output_volume", "relay_port"}
    assert changed_sections(old, new) == {Section.SESSION, Section.VOLUME, Section.RELAY}
    assert changed_sections(old, old) == frozenset()
    assert section_of("api_key") is Section.BACKEND


def test_every_setting_belongs_to_a_section() -> None:
    from dataclasses import fields

    from desktop_app.config import Section, section_of

    assert {section_of(f.name) for f in fields(Settings)} <= set(Section)
