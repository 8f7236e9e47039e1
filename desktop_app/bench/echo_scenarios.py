"""Echo cancellation through a room-like echo path, on real PortAudio devices (PulseAudio null sinks).

* ``echo_return_loss_enhancement_db``: the median over ``GLD_BENCH_ECHO_RUNS`` runs (default 5) per echo
  level, with the lowest and highest run, on the path of :mod:`tests.support.room_path` (a loudspeaker's soft
  clip, a room's reverberation with RT60 0.35 s, the microphone's clock 80 ppm off the speaker's, a −55 dBFS
  noise floor; each run draws its own noise). ERLE is over the far-end-only stretch after 2 s of
  convergence, on frames where the echo stands 20 dB above the noise floor
  (:func:`tests.support.echo_measure.measure_echo`).
* ``echo_frames_cancelled_20db``: the median share of those 10 ms frames cancelled by ≥ 20 dB.
* ``echo_above_noise_floor_db``: how far the echo stands above the noise floor at the microphone: the
  ceiling of a measured ERLE (the canceller removes the echo, not the room's noise).
* ``double_talk_near_end_kept_db``: how much of the user's level survives when they talk over the reply
  (median), and ``double_talk_frames_present``: the share of their voiced frames within 20 dB of their level
  alone.
* ``echo_return_loss_enhancement_db[bitexact_loopback]``: the old figure for comparison, one run on
  PulseAudio's ``module-loopback`` (a bit-exact copy 60 ms later: the canceller's 16-bit floor, not a room).

Echo at 0 dB: as loud at the microphone as what was played (the hardest case); at −10 dB: a laptop at arm's
length. Each run takes about 22 s.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
from pathlib import Path

import soxr

from desktop_app.bench.audio_scenarios import FAR_TEXT, NEAR_TEXT, Metric, _speech, private_rig
from desktop_app.core.audio_format import MODEL_FORMAT, float_to_pcm16
from tests.support.echo_measure import EchoRun, measure_echo
from tests.support.pulse_rig import PulseRig
from tests.support.room_path import RoomPath


def _spread(name: str, tag: str, values: list[float], unit: str) -> list[Metric]:
    return [
        (f"{name}[{tag},median]", statistics.median(values), unit),
        (f"{name}[{tag},min]", min(values), unit),
        (f"{name}[{tag},max]", max(values), unit),
    ]


def bench_echo_cancellation() -> list[Metric]:
    runs = int(os.environ.get("GLD_BENCH_ECHO_RUNS", "5"))
    results: list[Metric] = []
    with private_rig() as rig, tempfile.TemporaryDirectory() as tmp:
        far, far_rate = _speech(Path(tmp) / "far.wav", FAR_TEXT, "en-us")
        near = Path(tmp) / "near.wav"
        _speech(near, NEAR_TEXT, "en-gb+f3")
        far24 = float_to_pcm16(soxr.resample(far, far_rate, MODEL_FORMAT.rate))
        for gain in (0.0, -10.0):
            paths = [RoomPath(gain_db=gain, seed=seed) for seed in range(runs)]
            got: list[EchoRun] = [asyncio.run(measure_echo(rig, path, far24, near)) for path in paths]
            tag = f"room,echo_{abs(gain):.0f}db,n={runs}"
            results += _spread("echo_return_loss_enhancement_db", tag, [r.erle_db for r in got], "dB")
            results.append(
                (
                    f"echo_frames_cancelled_20db[{tag}]",
                    statistics.median(r.frames_cancelled for r in got),
                    "share",
                )
            )
            # ERLE cannot exceed how far the echo stands above the microphone's noise floor.
            ceiling = statistics.median(r.echo_in_dbfs for r in got) - paths[0].noise_dbfs
            results.append((f"echo_above_noise_floor_db[{tag}]", ceiling, "dB"))
            results += _spread("double_talk_near_end_kept_db", tag, [r.kept_db for r in got], "dB")
            results.append(
                (f"double_talk_frames_present[{tag}]", statistics.median(r.present for r in got), "share")
            )
        results.append(_bitexact(rig, far24, near))
    return results


def _bitexact(rig: PulseRig, far24: bytes, near: Path) -> Metric:
    run = asyncio.run(measure_echo(rig, None, far24, near))
    return ("echo_return_loss_enhancement_db[bitexact_loopback,echo_0db]", run.erle_db, "dB")
