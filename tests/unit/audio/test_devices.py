"""Device listing, formatting and resolution (on fixed device lists; the real list is a device test)."""

from __future__ import annotations

import pytest

from desktop_app.audio.devices import AudioDevice, DeviceKind, format_device_list, resolve_device
from desktop_app.core.errors import MediaError

DEVICES = [
    AudioDevice(0, "HDA Intel PCH: ALC257 Analog (hw:0,0)", "ALSA", 2, 2, 48_000.0),
    AudioDevice(1, "Blue Yeti USB Microphone", "ALSA", 2, 0, 44_100.0),
    AudioDevice(2, "pulse", "ALSA", 32, 32, 44_100.0),
    AudioDevice(3, "default", "ALSA", 32, 32, 44_100.0, is_default_input=True, is_default_output=True),
    AudioDevice(4, "HDMI 0", "ALSA", 0, 8, 48_000.0),
]


@pytest.mark.parametrize(
    ("spec", "kind", "index"),
    [
        (None, DeviceKind.INPUT, 3),
        ("", DeviceKind.OUTPUT, 3),
        ("default", "input", 3),
        ("yeti", "input", 1),  # case-insensitive substring
        ("PULSE", "output", 2),
        (4, "output", 4),
        ("1", "input", 1),  # an index given as text (a flag)
        ("hdmi", "output", 4),
    ],
)
def test_resolve_by_name_index_or_default(spec: str | int | None, kind: str, index: int) -> None:
    resolved = resolve_device(spec, kind, devices=DEVICES)
    assert resolved.index == index
    assert resolved.notice is None


def test_an_exact_name_wins_over_an_earlier_substring_match() -> None:
    assert resolve_device("pulse", "input", devices=DEVICES).index == 2


@pytest.mark.parametrize(
    ("spec", "kind"), [("no such mic", "input"), (99, "input"), ("hdmi", "input"), (1, "output")]
)
def test_an_explicit_miss_is_a_media_error_naming_the_choices(spec: str | int, kind: str) -> None:
    with pytest.raises(MediaError) as err:
        resolve_device(spec, kind, devices=DEVICES)
    text = str(err.value)
    assert repr(spec) in text
    assert "--list-devices" in text
    noun = "microphone" if kind == "input" else "speaker"
    assert text.startswith(f"No {noun} matches")


def test_a_saved_device_that_vanished_falls_back_to_the_default_with_a_notice() -> None:
    resolved = resolve_device("Old USB Headset", "input", fallback=True, devices=DEVICES)
    assert resolved.index == 3
    assert resolved.notice is not None
    assert "'Old USB Headset'" in resolved.notice and "'default'" in resolved.notice


def test_no_device_of_a_kind_at_all_is_a_clear_error() -> None:
    outputs_only = [DEVICES[4]]
    with pytest.raises(MediaError, match="No microphone was found"):
        resolve_device(None, "input", devices=outputs_only)
    with pytest.raises(MediaError, match="No microphone was found"):
        resolve_device("gone", "input", fallback=True, devices=outputs_only)


def test_without_a_declared_default_the_first_capable_device_is_used() -> None:
    plain = [DEVICES[4], DEVICES[1]]
    assert resolve_device(None, "input", devices=plain).index == 1


def test_the_listing_shows_inputs_and_outputs_with_rates_and_defaults() -> None:
    text = format_device_list(DEVICES)
    inputs, outputs = text.split("Output devices:")
    assert "Input devices:" in inputs
    assert "Blue Yeti USB Microphone" in inputs and "44100 Hz" in inputs
    assert "HDMI 0" not in inputs and "HDMI 0" in outputs
    assert "*  3  default" in inputs and "*  3  default" in outputs
    assert "   1  Blue Yeti" in inputs, "non-defaults are not starred"
    assert format_device_list([]).count("(none)") == 2
