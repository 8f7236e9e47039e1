"""Local barge-in in the audio service, with fake devices: the user's onset over the model's voice ducks
the speaker's gain; ``interrupted`` confirms it; an unconfirmed duck comes back; muted, echo and the
setting off never duck (tests/devices/test_local_barge_in.py runs it on real PulseAudio)."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pytest

from desktop_app.audio.barge_in import LocalBargeIn
from desktop_app.audio.ducking import DuckGain
from desktop_app.audio.factory import AudioIO, AudioOptions
from desktop_app.config import Settings
from desktop_app.core.clock import FakeClock
from desktop_app.core.events import Event, Interrupted, MicAudio
from desktop_app.services.audio import AudioService
from desktop_app.services.bus import Bus
from tests.support.audio import silence, speech_like
from tests.unit.services.fakes import FakeAudio, MemorySink

DUCKED = pytest.approx(0.1, abs=1e-6)


@dataclass
class DuckableSink(MemorySink):
    """A speaker that takes local barge-in's gain, as the real one does."""

    rate: int = 48_000
    ducker: DuckGain | None = None
    output_underflows: int = 0

    def model_talks(self) -> None:
        """What the speaker's callback does with a block of the model's voice."""
        assert self.ducker is not None
        self.ducker.apply(np.full(240, 0.3, dtype=np.float32))


@dataclass
class FakeCanceller:
    block_levels: deque[tuple[float, float | None]] = field(default_factory=lambda: deque(maxlen=64))


@dataclass
class Rig:
    service: AudioService
    audio: FakeAudio
    sink: DuckableSink
    canceller: FakeCanceller
    forwarded: list[MicAudio]

    async def speak(self, pcm: bytes, levels: tuple[float, float | None] | None = None) -> None:
        """The user's audio, block by block, as the canceller left it (``levels``: what it saw)."""
        if levels is not None:
            for _ in range(len(pcm) // 640):
                self.canceller.block_levels.append(levels)
        self.audio.source.speak(pcm)
        await self.audio.source.consumed()

    @property
    def target(self) -> float:
        assert self.sink.ducker is not None
        return self.sink.ducker.target


async def _rig(settings: Settings, barge_in: LocalBargeIn | None = None) -> Rig:
    events: list[Event] = []
    forwarded: list[MicAudio] = []
    sink, canceller = DuckableSink(), FakeCanceller()
    audio = FakeAudio(sink=sink)
    audio.canceller = canceller  # type: ignore[attr-defined]

    def opener(_o: AudioOptions, _l: asyncio.AbstractEventLoop, _e: object) -> AudioIO:
        return cast(AudioIO, audio)

    async def forward(block: MicAudio) -> None:
        forwarded.append(block)

    service = AudioService(settings, Bus(events.append), opener, forward, presence=lambda *_: None)
    if barge_in is not None:
        service.barge_in = barge_in
    await service.start()
    return Rig(service, audio, sink, canceller, forwarded)


async def test_talking_over_the_model_ducks_it_and_interrupted_confirms() -> None:
    rig = await _rig(Settings())
    try:
        await rig.speak(silence(0.2))
        rig.sink.model_talks()
        await rig.speak(speech_like(0.04))
        assert rig.target == DUCKED
        assert rig.service.barge_in.policy.ducks == 1
        assert len(rig.forwarded) == 12, "every block still goes to the session"
        rig.service.on_session_event(Interrupted())
        assert rig.target == 1.0
        assert rig.service.barge_in.policy.confirmed == 1
    finally:
        await rig.service.stop()
    assert rig.sink.ducker is not None and rig.sink.ducker.target == 1.0


async def test_an_unconfirmed_duck_comes_back_after_the_window() -> None:
    clock = FakeClock(100.0)
    rig = await _rig(Settings(), LocalBargeIn(clock=clock.now))
    try:
        rig.sink.ducker.sounding_at = 100.0  # type: ignore[union-attr]  # the model is talking
        await rig.speak(speech_like(0.02))
        assert rig.target == DUCKED
        clock.advance(0.5)
        await rig.speak(speech_like(0.02))
        assert rig.target == DUCKED, "still within the window"
        clock.advance(0.31)  # 810 ms after the onset
        await rig.speak(silence(0.02))
        assert rig.target == 1.0
        assert rig.service.barge_in.policy.restored == 1
    finally:
        await rig.service.stop()


async def test_echo_the_canceller_removed_does_not_duck() -> None:
    rig = await _rig(Settings())
    try:
        rig.sink.model_talks()
        # A block loud enough to be speech after cancellation (-31 dBFS), but the canceller removed 21 dB
        # from it, and the microphone (-10 dBFS) is no louder than the reference (-14 dBFS) explains.
        quiet = (np.frombuffer(speech_like(0.1), "<i2") // 10).astype("<i2").tobytes()
        await rig.speak(quiet, levels=(10 ** (-10 / 10), 10 ** (-14 / 10)))
        assert rig.target == 1.0
        assert rig.service.barge_in.last_step is not None
        assert rig.service.barge_in.last_step.reason == "echo"
        assert not rig.canceller.block_levels, "one level record taken per block"
    finally:
        await rig.service.stop()


async def test_a_muted_microphone_never_ducks() -> None:
    rig = await _rig(Settings())
    try:
        rig.service.set_gate(rig.service.gate.mute(True))
        rig.sink.model_talks()
        await rig.speak(speech_like(0.1))
        assert rig.target == 1.0 and rig.forwarded == []
    finally:
        await rig.service.stop()


async def test_the_setting_off_means_no_duck() -> None:
    rig = await _rig(Settings(local_barge_in=False))
    try:
        assert rig.sink.ducker is None, "no gain stage is attached"
        await rig.speak(speech_like(0.1))
        assert rig.service.barge_in.policy.ducks == 0
        await rig.service.apply_settings(Settings(local_barge_in=True))  # reopens with it on
        assert rig.sink.ducker is not None
    finally:
        await rig.service.stop()


async def test_after_a_speaker_underflow_only_the_double_talk_check_may_duck() -> None:
    clock = FakeClock(100.0)
    rig = await _rig(Settings(), LocalBargeIn(clock=clock.now, settle_s=1.0))
    try:
        rig.sink.ducker.sounding_at = 100.0  # type: ignore[union-attr]
        # The user over the model, heard by the canceller's output only (the raw microphone is no louder
        # than the echo the reference explains).
        voice = (np.frombuffer(speech_like(0.06), "<i2") // 3).astype("<i2").tobytes()  # about -21 dBFS
        over_echo = (10 ** (-15 / 10), 10 ** (-20 / 10))
        rig.sink.output_underflows = 1  # the echo path moved: AEC3 leaks while it re-converges
        await rig.speak(voice, levels=over_echo)
        assert rig.service.barge_in.last_step is not None
        assert rig.service.barge_in.last_step.reason == "unsettled"
        assert rig.target == 1.0
        clock.advance(1.0)
        rig.sink.ducker.sounding_at = clock.now()  # type: ignore[union-attr]
        await rig.speak(silence(0.3), levels=(10 ** (-30 / 10), 10 ** (-20 / 10)))  # the user pauses
        await rig.speak(voice, levels=over_echo)
        assert rig.target == DUCKED, "settled again: the canceller's output counts"
        assert rig.service.barge_in.last_step.via == "clean"
    finally:
        await rig.service.stop()
