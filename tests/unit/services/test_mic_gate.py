"""The microphone gate as a pure state machine: mute, push-to-talk, talk, and when the stream pauses."""

from __future__ import annotations

import pytest

from desktop_app.services.mic_gate import MicGate


def test_open_by_default_and_muting_pauses_once() -> None:
    gate = MicGate()
    assert gate.open
    step = gate.mute(True)
    assert not step.gate.open and step.paused
    again = step.gate.mute(True)
    assert not again.paused, "already closed: nothing to pause"
    assert again.gate.mute(False).gate.open and not again.gate.mute(False).paused


def test_push_to_talk_sends_only_while_the_key_is_held() -> None:
    step = MicGate().set_push_to_talk(True)
    assert not step.gate.open and step.paused  # turning it on closes the open microphone
    held = step.gate.talk(True)
    assert held.gate.open and not held.paused
    released = held.gate.talk(False)
    assert not released.gate.open and released.paused  # letting go ends the utterance


def test_turning_push_to_talk_off_releases_the_key() -> None:
    held = MicGate(push_to_talk=True, talking=True)
    step = held.set_push_to_talk(False)
    assert step.gate == MicGate() and step.gate.open and not step.paused


def test_mute_wins_over_a_held_talk_key() -> None:
    held = MicGate(push_to_talk=True, talking=True)
    muted = held.mute(True)
    assert muted.paused and not muted.gate.open
    assert not muted.gate.talk(True).gate.open
    assert not muted.gate.talk(False).paused


@pytest.mark.parametrize(
    ("gate", "is_open"),
    [
        (MicGate(), True),
        (MicGate(muted=True), False),
        (MicGate(push_to_talk=True), False),
        (MicGate(push_to_talk=True, talking=True), True),
        (MicGate(talking=True), True),
        (MicGate(muted=True, push_to_talk=True, talking=True), False),
    ],
)
def test_open_table(gate: MicGate, is_open: bool) -> None:
    assert gate.open is is_open
