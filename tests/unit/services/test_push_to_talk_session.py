"""Push-to-talk as a session setting: activity detection off, and the talk key sends activityStart/End."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desktop_app.config import Section, Settings, section_of
from desktop_app.core.app_events import InputState
from tests.unit.services.test_app_controller import Rig, rig  # noqa: F401  (the façade's own rig)

START = Settings(history=False)
_TURN = {"ActivityStart", "ActivityEnd", "AudioStreamEnd"}


def test_push_to_talk_is_a_session_setting() -> None:
    assert section_of("push_to_talk") is Section.SESSION


async def test_a_push_to_talk_session_opens_without_activity_detection_and_the_key_frames_the_turn(
    rig: Rig,  # noqa: F811
) -> None:
    app = rig.build(replace(START, push_to_talk=True))
    await app.start()
    try:
        connector = rig.connectors[0]
        assert connector.attempts[-1].vad.disabled is True
        assert app.input_state.push_to_talk is True, "the gate starts in push-to-talk"
        session = connector.sessions[-1]
        await app.talk(True)
        await app.talk(False)
        assert [k for k in session.kinds() if k in _TURN] == ["ActivityStart", "ActivityEnd"]
        states = [e for e in rig.events if isinstance(e, InputState)]
        assert [s.talking for s in states[-2:]] == [True, False]
    finally:
        await app.stop()


async def test_without_the_setting_the_talk_key_ends_the_audio_stream_instead(rig: Rig) -> None:  # noqa: F811
    app = rig.build(START)
    await app.start()
    try:
        assert rig.connectors[0].attempts[-1].vad.disabled is False
        session = rig.connectors[0].sessions[-1]
        audio = app.services.audio
        assert audio is not None
        audio.set_gate(audio.gate.set_push_to_talk(True))  # the gate only: the session keeps its VAD
        await app.talk(True)
        await app.talk(False)
        assert [k for k in session.kinds() if k in _TURN] == ["AudioStreamEnd"]
    finally:
        await app.stop()


@pytest.mark.parametrize("enabled", [True, False])
async def test_switching_push_to_talk_saves_it_and_opens_a_session_with_the_matching_vad(
    rig: Rig,  # noqa: F811
    enabled: bool,
) -> None:
    app = rig.build(replace(START, push_to_talk=not enabled))
    await app.start()
    try:
        await app.set_push_to_talk(enabled)
        assert rig.saved[-1].push_to_talk is enabled
        assert rig.sessions == 2
        assert rig.connectors[0].attempts[-1].vad.disabled is enabled
        assert app.input_state.push_to_talk is enabled
        await app.set_push_to_talk(enabled)
        assert rig.sessions == 2, "no new session when nothing changes"
    finally:
        await app.stop()


def test_desktop_settings_restart_nothing() -> None:
    desktop = [
        "global_shortcuts",
        "talk_shortcut",
        "mute_shortcut",
        "close_to_tray",
        "caption_overlay",
        "autostart",
    ]
    assert {section_of(name) for name in desktop} == {Section.DESKTOP}
