"""The microphone gate: listening, mute, push-to-talk, the talk key and the settings' microphone test, as a
pure state machine.

No I/O and no clock: each transition returns the new gate and whether the microphone has just been paused,
so the caller knows when to tell the server that the audio stream ended (it then answers what it heard
instead of waiting for silence)::

    step = gate.mute(True)
    gate = step.gate
    if step.paused:
        await conversation.mic_paused()
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["GateStep", "MicGate"]


@dataclass(frozen=True, slots=True)
class MicGate:
    """Whether microphone blocks go to the session. Immutable: transitions return a :class:`GateStep`."""

    muted: bool = False
    push_to_talk: bool = False
    talking: bool = False  # the talk key is held (meaningful with push-to-talk only)
    listening: bool = True  # False before the user's "Start talking" (the window starts idle)
    testing: bool = False  # the settings' microphone test runs: its sound stays on this machine

    @property
    def open(self) -> bool:
        """True when blocks are sent: listening, no microphone test, not muted, and with push-to-talk only
        while the key is held."""
        held = not self.push_to_talk or self.talking
        return self.listening and not self.testing and not self.muted and held

    def listen(self, on: bool) -> GateStep:
        """Start (True) or stop talking to Gemini: "Start talking" in the window."""
        return self._to(replace(self, listening=on))

    def mic_test(self, running: bool) -> GateStep:
        """The settings' microphone test started (True) or ended: closed meanwhile, whatever else holds."""
        return self._to(replace(self, testing=running))

    def mute(self, muted: bool) -> GateStep:
        return self._to(replace(self, muted=muted))

    def set_push_to_talk(self, enabled: bool) -> GateStep:
        """Turning push-to-talk on or off releases the talk key."""
        return self._to(replace(self, push_to_talk=enabled, talking=False))

    def talk(self, pressed: bool) -> GateStep:
        return self._to(replace(self, talking=pressed))

    def _to(self, gate: MicGate) -> GateStep:
        return GateStep(gate, paused=self.open and not gate.open)


@dataclass(frozen=True, slots=True)
class GateStep:
    """The gate after a transition; ``paused`` is True when it was open and is now closed."""

    gate: MicGate
    paused: bool
