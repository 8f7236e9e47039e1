"""The microphone gate's privacy states: not listening before "Start talking", and closed while the
settings' microphone test runs, whatever mute and push-to-talk say."""

from __future__ import annotations

from desktop_app.services.mic_gate import MicGate


def test_an_idle_gate_sends_nothing_until_the_user_starts_talking() -> None:
    idle = MicGate(listening=False)
    assert not idle.open
    step = idle.listen(True)
    assert step.gate.open and not step.paused
    stopped = step.gate.listen(False)
    assert not stopped.gate.open and stopped.paused  # the server is told the audio stream ended


def test_the_microphone_test_closes_the_gate_and_restores_it() -> None:
    gate = MicGate()
    step = gate.mic_test(True)
    assert not step.gate.open and step.paused and step.gate.testing
    assert not step.gate.mute(False).gate.open  # unmuting during the test does not reopen it
    back = step.gate.mic_test(False)
    assert back.gate.open and not back.gate.testing


def test_push_to_talk_needs_listening_too() -> None:
    gate = MicGate(listening=False, push_to_talk=True)
    assert not gate.talk(True).gate.open
    assert gate.listen(True).gate.talk(True).gate.open
