"""One measured echo-cancellation run on the PulseAudio rig, shared by the device test and the benchmark.

:func:`measure_echo` plays a far-end reply through the app's speaker stream while the rig feeds the
speaker back into the microphone through an echo path (:meth:`PulseRig.add_room_echo`), and the near-end
user talks alone, then over the reply. It returns what the canceller did (:class:`EchoRun`):

* ``erle_db``: echo return loss enhancement over the far-end-only stretch, from 2 s after the reply starts
  (convergence) to the user's interjection, on frames where the echo stands at least 20 dB above the
  microphone's noise floor (a quieter frame cannot show more ERLE than its distance to the floor);
* ``frames_cancelled``: the share of those 10 ms frames cancelled by at least 20 dB;
* ``kept_db`` / ``present`` / ``rhythm_r``: double talk: the user's level during the reply relative to their
  level alone, the share of their voiced frames within 20 dB of it, and the correlation of the envelopes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop_app.audio.capture import CaptureConfig, MicCapture
from desktop_app.audio.devices import DeviceKind, resolve_device
from desktop_app.audio.echo import EchoCanceller, EchoSettings
from desktop_app.audio.playback import PlaybackConfig, SpeakerPlayback
from desktop_app.audio.streams import ShellWiring
from desktop_app.core.audio_format import MIC_FORMAT, MODEL_FORMAT, pcm16_to_float
from desktop_app.core.events import ModelAudio
from tests.support.pulse_rig import PulseRig
from tests.support.room_path import RoomPath
from tests.support.signals import best_lag_correlation, db, envelope

__all__ = ["EchoRun", "measure_echo"]

FRAME = MIC_FORMAT.rate // 100  # 10 ms
BITEXACT = "bit-exact loopback, 60 ms"


@dataclass(frozen=True)
class EchoRun:
    erle_db: float
    frames_cancelled: float
    frame_erle: np.ndarray
    echo_in_dbfs: float
    echo_out_dbfs: float
    kept_db: float
    present: float
    rhythm_r: float
    diagnosis: str


async def measure_echo(
    rig: PulseRig,
    path: RoomPath | None,
    far24: bytes,
    near_wav: Path,
    settings: EchoSettings | None = None,
) -> EchoRun:
    """One run (about 20 s) with ``rig`` routed (``rig.route()``); ``far24`` is the reply at 24 kHz PCM16.

    ``path`` None plays the echo back bit-exactly 60 ms later (PulseAudio's ``module-loopback``): the old,
    noiseless path, kept for comparison.
    """
    loop = asyncio.get_running_loop()
    canceller = EchoCanceller(settings or EchoSettings())
    raw: list[np.ndarray] = []
    out: list[np.ndarray] = []
    marks: dict[str, int] = {}
    sp = SpeakerPlayback(
        PlaybackConfig(device=resolve_device(None, DeviceKind.OUTPUT).index),
        loop,
        ShellWiring(canceller=canceller),
    )
    mic = MicCapture(
        CaptureConfig(device=resolve_device(None, DeviceKind.INPUT).index),
        loop,
        ShellWiring(canceller=canceller),
        on_raw_block=lambda pcm, _t: raw.append(pcm.copy()),
    )
    if path is None:
        module = rig.add_loopback(latency_ms=60)

        def stop_echo() -> None:
            rig.unload(module)

        def echo_running() -> bool:
            return True
    else:
        echo = rig.add_room_echo(path)
        stop_echo, echo_running = echo.stop, echo.running
    sp.start()
    mic.start()

    async def consume() -> None:
        async for block in mic.blocks():
            out.append(np.frombuffer(block.pcm, "<i2").copy())

    async def play_near() -> None:
        player = rig.play_into_mic(near_wav)
        await asyncio.to_thread(player.wait, 30)

    consumer = asyncio.create_task(consume())
    try:
        assert await sp.wait_ready(15) and await mic.wait_ready(15)
        marks["near_alone"] = len(out)  # 1. the user alone: their reference level
        await play_near()
        marks["far_start"] = len(out)  # 2. the model talks; 5 s in, the user talks over it
        step = MODEL_FORMAT.bytes_for_ms(40)
        for i in range(0, len(far24), step):
            sp.play(ModelAudio(far24[i : i + step]))
        await sp.wait_for(lambda: len(out) >= marks["far_start"] + 250, 30)
        marks["double_talk"] = len(out)
        await play_near()
        marks["double_talk_end"] = len(out)
        async with asyncio.timeout(30):
            await sp.drain()
        assert echo_running(), "the echo path's processes ended early"
    finally:
        stop_echo()
        await mic.aclose()
        await sp.aclose()
        async with asyncio.timeout(5):
            await consumer
    n = min(len(raw), len(out))
    r = pcm16_to_float(np.concatenate(raw[:n])).astype(np.float64)
    o = pcm16_to_float(np.concatenate(out[:n])).astype(np.float64)
    blk = len(raw[0])
    return _analyse(r, o, blk, marks, path, lambda: _diagnosis(canceller, mic, sp))


def _diagnosis(canceller: EchoCanceller, mic: MicCapture, sp: SpeakerPlayback) -> str:
    t = canceller.timeline
    return (
        f"timeline resyncs {t.resyncs}, late reads {t.late_reads}, anchor resets {t.clock.resets}; "
        f"{(mic.counters() + sp.counters()).line()}"
    )


def _analyse(
    r: np.ndarray,
    o: np.ndarray,
    blk: int,
    marks: dict[str, int],
    path: RoomPath | None,
    diag: Callable[[], str],
) -> EchoRun:
    far_only = slice((marks["far_start"] + 100) * blk, marks["double_talk"] * blk)
    env_in = envelope(r[far_only], MIC_FORMAT.rate)
    floor = -65.0 if path is None else path.noise_dbfs  # the bit-exact path has no noise: -45 dBFS as before
    loud = 20 * np.log10(env_in + 1e-12) > floor + 20
    frames_in = r[far_only][: len(loud) * FRAME].reshape(-1, FRAME)[loud]
    frames_out = o[far_only][: len(loud) * FRAME].reshape(-1, FRAME)[loud]
    echo_in, echo_out = db(frames_in), db(frames_out)
    per_frame = 20 * np.log10(
        (env_in[loud] + 1e-10) / (envelope(o[far_only], MIC_FORMAT.rate)[: len(loud)][loud] + 1e-10)
    )
    cancelled = float(np.mean(per_frame >= 20.0)) if len(per_frame) else 0.0

    alone = envelope(o[marks["near_alone"] * blk : marks["far_start"] * blk], MIC_FORMAT.rate)
    during = envelope(o[marks["double_talk"] * blk : marks["double_talk_end"] * blk], MIC_FORMAT.rate)
    corr, lag = best_lag_correlation(during, alone, max_lag=len(during) // 3)
    span = min(len(alone), len(during) - lag)
    a, d = alone[:span], during[lag : lag + span]
    voiced = 20 * np.log10(a + 1e-12) > -40
    kept = float(20 * np.log10(np.mean(d[voiced]) / np.mean(a[voiced])))
    present = float(np.mean(20 * np.log10((d[voiced] + 1e-12) / a[voiced]) > -20))
    diagnosis = (
        f"{BITEXACT if path is None else path.describe()}; "
        f"{cancelled:.1%} of {len(per_frame)} echo frames cancelled by >= 20 dB, "
        f"frames below: {np.flatnonzero(per_frame < 20.0)[:30].tolist()}; {diag()}"
    )
    return EchoRun(
        erle_db=echo_in - echo_out,
        frames_cancelled=cancelled,
        frame_erle=per_frame,
        echo_in_dbfs=echo_in,
        echo_out_dbfs=echo_out,
        kept_db=kept,
        present=present,
        rhythm_r=corr,
        diagnosis=diagnosis,
    )
