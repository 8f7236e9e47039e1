"""Local barge-in on real PulseAudio devices, through an echo path (module-loopback from the speaker
sink's monitor into the microphone sink, 60 ms late, -10 dB): talking over a reply ducks it at the sink;
with no ``interrupted`` the voice comes back with nothing skipped; with the setting off nothing ducks.
The measurement machinery is the benchmark's (:mod:`desktop_app.bench.duck_scenarios`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from desktop_app.audio.barge_in import LocalBargeIn
from desktop_app.audio.ducking import DuckState
from desktop_app.bench.duck_scenarios import DuckRig, EchoPath, levels_db, steady_voice
from desktop_app.config import Settings
from tests.support.pulse_rig import PulseRig

from .conftest import espeak

pytestmark = [pytest.mark.devices, pytest.mark.timeout(120)]

ECHO = EchoPath(latency_ms=60, gain_db=-10.0)
REPLY_S = 5.0


@pytest.fixture(scope="module")
def user_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return espeak(tmp_path_factory.mktemp("wav") / "user.wav", "Actually, no.", "en-gb+f3")


async def _talk_over_a_reply(
    rig: PulseRig, settings: Settings, user_wav: Path
) -> tuple[LocalBargeIn, float | None, np.ndarray]:
    """Play a steady reply; 1.2 s in, the user talks; wait for the reply to end. Returns local barge-in,
    the seconds of the reply the speaker handed to the device (None without local barge-in's gain stage),
    and the speaker sink's recording from just before the reply."""
    async with DuckRig(rig, settings, ECHO) as d:
        assert d.speaker_rec is not None
        start = d.speaker_rec.frames
        d.play(steady_voice(REPLY_S))
        policy = d.service.barge_in.policy
        talk_at = d.speaker_rec.frames + int(1.2 * rig.rate)
        await asyncio.to_thread(d.speaker_rec.wait_frames, talk_at, 20)
        assert policy.ducks == 0, "the reply's own echo ducked it"
        player = d.user_says(str(user_wav))
        await asyncio.to_thread(player.wait, 20)
        async with asyncio.timeout(30):
            await d.sink.drain()
        await asyncio.to_thread(d.speaker_rec.wait_frames, d.speaker_rec.frames + rig.rate // 5, 10)
        handed = d.sink.ducker.sounding_frames / d.sink.rate if d.sink.ducker is not None else None
        assert d.sink.last_interrupt is None, "nothing flushed the reply"
        return d.service.barge_in, handed, d.speaker_rec.samples()[start:]


async def test_talking_over_a_reply_ducks_it_and_it_comes_back_with_nothing_skipped(
    routed: PulseRig, user_wav: Path
) -> None:
    barge_in, handed, played = await _talk_over_a_reply(routed, Settings(), user_wav)
    policy = barge_in.policy
    assert (policy.ducks, policy.confirmed) == (1, 0)
    assert policy.state is DuckState.IDLE and policy.restored == 1, "no interrupted came: it was restored"
    env = levels_db(played, routed.rate)
    voiced = np.flatnonzero(env > -45.0)
    steady = float(np.median(env[voiced[0] : voiced[0] + 200]))  # the first second
    assert steady == pytest.approx(-20.0, abs=1.5)
    ducked = np.flatnonzero(env[voiced[0] :] < steady - 15.0)
    assert len(ducked) >= 20, f"the voice never dropped 15 dB at the sink (lowest {env[voiced].min():.1f})"
    tail = env[voiced[-1] - 200 : voiced[-1]]  # the last second: back at full level
    assert float(np.median(tail)) == pytest.approx(steady, abs=1.0), (
        f"not back at full level: ducks {policy.ducks}, restored {policy.restored}, "
        f"ducked frames from {ducked[0] * 5} to {ducked[-1] * 5} ms"
    )
    print(f"steady {steady:.1f} dBFS, ducked for {len(ducked) * 5} ms, reply handed to the device {handed} s")
    # Playout went on under the user: every sample of the reply went to the device, ducked or not (a skip
    # would shorten it). Counted in the speaker, not in the recording: under load the recorder itself may
    # lose a fraction of a second, and device underruns add gaps.
    assert handed == pytest.approx(REPLY_S, abs=0.011)


async def test_with_local_barge_in_off_talking_over_a_reply_does_not_duck_it(
    routed: PulseRig, user_wav: Path
) -> None:
    barge_in, handed, played = await _talk_over_a_reply(routed, Settings(local_barge_in=False), user_wav)
    assert handed is None, "no gain stage on the speaker"
    assert barge_in.policy.ducks == 0
    env = levels_db(played, routed.rate)
    voiced = env[env > -45.0]
    assert float(np.min(voiced[5:-5])) > -20.0 - 3.0, "the level never dropped"
