"""Echo cancellation on a room-like acoustic path, on real PortAudio devices.

The path (:mod:`tests.support.room_path`) is what a laptop's speaker sounds like at its microphone: a
loudspeaker's soft clip, a 4 × 3.5 × 2.7 m room's reverberation (RT60 0.35 s, image-source method), the
microphone's clock running 80 ppm fast (the echo's delay slides), and a −55 dBFS noise floor; it runs as
``parec`` of the speaker's monitor → the filter → ``pacat`` into the microphone sink, so the echo arrives
some 40–60 ms after it is played. This is not a measured room: it is the set of effects a bit-exact loopback
leaves out (and that kept the old test at the canceller's 16-bit floor, 70 dB). The benchmark
(``python -m desktop_app.bench --only echo``) reports the median and spread over several runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soxr

from desktop_app.audio.echo import EchoSettings
from desktop_app.core.audio_format import MODEL_FORMAT, float_to_pcm16
from tests.support.echo_measure import measure_echo
from tests.support.pulse_rig import PulseRig
from tests.support.room_path import RoomPath

from .conftest import read_wav

pytestmark = [pytest.mark.devices, pytest.mark.timeout(120)]


def far_reply(far_speech_wav: Path) -> bytes:
    far, far_rate = read_wav(far_speech_wav)
    return float_to_pcm16(soxr.resample(far, far_rate, MODEL_FORMAT.rate))


# (echo gain, least median per-frame ERLE, least share of echo frames cancelled by 20 dB, least near-end level
# kept, least share of the user's voiced frames within 20 dB of their level alone, least envelope r).
# The bounds sit below the spread of repeated runs on a loaded 2-core machine (`python -m desktop_app.bench
# --only echo_cancellation` reports the energy ERLE's median and spread):
# - at 0 dB the echo reaches the microphone as loud as the user's voice (both about -21 dBFS), the hardest
#   double-talk case: energy ERLE 30-36 dB (the echo stands 34 dB above the noise floor), per-frame median
#   30-33 dB, 80-99 % of frames; near end kept -2 to -8.7 dB, r 0.29-0.73.
# - at -10 dB the user is 10 dB louder, as with a laptop at arm's length: energy ERLE 20-24 dB, capped by
#   the echo's 24 dB above the noise floor; near end kept -1 to -5.6 dB.
# The energy ERLE is printed, not asserted: a mean over 3 s is ruled by its loudest frames, and one 190 ms
# burst while the canceller re-finds the echo's delay (a late block on a loaded machine: "timeline resyncs")
# took a clean-clone CI run to 8.5 dB with 86 % of frames cancelled. Without echo cancellation the median
# frame measures about 1 dB and no frame reaches 20 dB; a half-duplex gate would keep -30 dB and no frames.
CASES = [(0.0, 20.0, 0.6, -15.0, 0.3, 0.15), (-10.0, 15.0, 0.5, -12.0, 0.45, 0.25)]


@pytest.mark.parametrize(
    ("echo_gain_db", "min_frame_erle", "min_cancelled", "min_kept_db", "min_present", "min_r"), CASES
)
async def test_far_end_is_cancelled_and_near_end_survives_double_talk(
    routed: PulseRig,
    far_speech_wav: Path,
    near_speech_wav: Path,
    record_property: object,
    echo_gain_db: float,
    min_frame_erle: float,
    min_cancelled: float,
    min_kept_db: float,
    min_present: float,
    min_r: float,
) -> None:
    path = RoomPath(gain_db=echo_gain_db)
    run = await measure_echo(routed, path, far_reply(far_speech_wav), near_speech_wav)
    pct = np.percentile(run.frame_erle, [10, 50, 90]).round(1).tolist()
    print(
        f"ERLE {run.erle_db:.1f} dB (echo {run.echo_in_dbfs:.1f} -> {run.echo_out_dbfs:.1f} dBFS), "
        f"per-frame p10/p50/p90 {pct}; double talk kept {run.kept_db:+.1f} dB, {run.present:.0%} present, "
        f"r={run.rhythm_r:.2f}; {run.diagnosis}"
    )
    record_property("erle_db", round(run.erle_db, 1))  # type: ignore[operator]
    record_property("double_talk_kept_db", round(run.kept_db, 1))  # type: ignore[operator]
    assert run.echo_in_dbfs > -21.5 + echo_gain_db - 4, "the room path really fed the speaker into the mic"
    median = float(np.median(run.frame_erle))
    assert median >= min_frame_erle, f"median frame ERLE {median:.1f} dB; {run.diagnosis}"
    assert run.frames_cancelled >= min_cancelled, f"echo leaked: {run.diagnosis}"
    # Double talk: the user's words come through, at a level a voice detector hears, with their rhythm.
    assert run.kept_db > min_kept_db, (
        f"the user's speech was attenuated by {-run.kept_db:.1f} dB under double talk"
    )
    assert run.present > min_present, f"only {run.present:.0%} of the user's voiced frames came through"
    assert run.rhythm_r > min_r, f"the user's speech lost its rhythm under double talk (r={run.rhythm_r:.2f})"


async def test_without_echo_cancellation_the_room_echo_stays(
    routed: PulseRig, far_speech_wav: Path, near_speech_wav: Path
) -> None:
    """The measurement can fail: with the canceller off, the same path measures no ERLE."""
    run = await measure_echo(
        routed, RoomPath(), far_reply(far_speech_wav), near_speech_wav, EchoSettings(headphones=True)
    )
    assert run.erle_db < 3.0, run.diagnosis
    assert float(np.median(run.frame_erle)) < 5.0, run.diagnosis
    assert run.frames_cancelled < 0.05, run.diagnosis
