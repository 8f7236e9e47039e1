"""Echo cancellation on a real acoustic path: PulseAudio's module-loopback plays the speaker back into
the microphone 60 ms later, as a room would."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
import soxr

from desktop_app.audio.capture import CaptureConfig, MicCapture
from desktop_app.audio.devices import DeviceKind, resolve_device
from desktop_app.audio.echo import EchoCanceller, EchoSettings
from desktop_app.audio.playback import PlaybackConfig, SpeakerPlayback
from desktop_app.audio.streams import ShellWiring
from desktop_app.core.audio_format import MIC_FORMAT, MODEL_FORMAT, float_to_pcm16, pcm16_to_float
from desktop_app.core.events import ModelAudio
from tests.support.pulse_rig import PulseRig

from .conftest import read_wav
from .signals import best_lag_correlation, db, envelope

pytestmark = [pytest.mark.devices, pytest.mark.timeout(120)]

FRAME = MIC_FORMAT.rate // 100  # 10 ms


def frame_erle(mic: np.ndarray, cleaned: np.ndarray) -> np.ndarray:
    """Echo return loss enhancement of each 10 ms frame, in dB."""
    rms_in, rms_out = envelope(mic, MIC_FORMAT.rate), envelope(cleaned, MIC_FORMAT.rate)
    return np.asarray(20 * np.log10((rms_in + 1e-10) / (rms_out + 1e-10)))


def active_frames(x: np.ndarray, threshold_db: float = -45.0) -> np.ndarray:
    env = envelope(x, MIC_FORMAT.rate)
    return 20 * np.log10(env + 1e-12) > threshold_db


# (echo gain, least near-end level kept, least share of voiced frames within 20 dB of their level alone).
# AEC3's double-talk handling varies from run to run with scheduling (its delay estimator and suppressor
# react to when blocks arrive), so the bounds sit below the spread measured over repeated runs, and far
# above what a half-duplex gate would give (-30 dB or worse, no frames present):
# - at 0 dB the echo reaches the microphone as loud as the user's voice (both about -21 dBFS), the hardest
#   case: measured -4.7 to -10 dB kept, 41-73 % of frames;
# - at -10 dB the user is 10 dB louder than the echo, as with a laptop at arm's length: measured -5.5 to
#   -8.7 dB kept, 56-70 % of frames (-8.7 dB was a CI run on a fresh machine).
CASES = [(0.0, -15.0, 0.3), (-10.0, -12.0, 0.45)]


@pytest.mark.parametrize(("echo_gain_db", "min_kept_db", "min_present"), CASES)
async def test_far_end_is_cancelled_and_near_end_survives_double_talk(
    routed: PulseRig,
    far_speech_wav: Path,
    near_speech_wav: Path,
    record_property: object,
    echo_gain_db: float,
    min_kept_db: float,
    min_present: float,
) -> None:
    loop = asyncio.get_running_loop()
    canceller = EchoCanceller(EchoSettings())
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
    loopback = routed.add_loopback(latency_ms=60, gain_db=echo_gain_db)
    sp.start()
    mic.start()

    async def consume() -> None:
        async for block in mic.blocks():
            out.append(np.frombuffer(block.pcm, "<i2").copy())

    consumer = asyncio.create_task(consume())
    far, far_rate = read_wav(far_speech_wav)
    far24 = float_to_pcm16(soxr.resample(far, far_rate, MODEL_FORMAT.rate))
    try:
        assert await sp.wait_ready(15) and await mic.wait_ready(15)
        # 1. The user alone (the canceller has nothing to cancel): the near-end reference level.
        marks["near_alone"] = len(out)
        player = routed.play_into_mic(near_speech_wav)
        await asyncio.to_thread(player.wait, 30)
        marks["far_start"] = len(out)
        # 2. The model talks; 5 s in, the user talks over it.
        for i in range(0, len(far24), MODEL_FORMAT.bytes_for_ms(40)):
            sp.play(ModelAudio(far24[i : i + MODEL_FORMAT.bytes_for_ms(40)]))
        await sp.wait_for(lambda: len(out) >= marks["far_start"] + 250, 30)
        marks["double_talk"] = len(out)
        player = routed.play_into_mic(near_speech_wav)
        await asyncio.to_thread(player.wait, 30)
        marks["double_talk_end"] = len(out)
        async with asyncio.timeout(30):
            await sp.drain()
    finally:
        routed.unload(loopback)
        await mic.aclose()
        await sp.aclose()
        async with asyncio.timeout(5):
            await consumer
    n = min(len(raw), len(out))
    r = pcm16_to_float(np.concatenate(raw[:n])).astype(np.float64)
    o = pcm16_to_float(np.concatenate(out[:n])).astype(np.float64)
    blk = len(raw[0])

    # Far end only: from 2 s after the model starts (convergence) to the user's interjection.
    far_only = slice((marks["far_start"] + 100) * blk, marks["double_talk"] * blk)
    speech = active_frames(r[far_only])
    echo_in = db(r[far_only][: len(speech) * FRAME].reshape(-1, FRAME)[speech])
    echo_out = db(o[far_only][: len(speech) * FRAME].reshape(-1, FRAME)[speech])
    erle = echo_in - echo_out
    per_frame = frame_erle(r[far_only], o[far_only])[speech]
    cancelled = float(np.mean(per_frame >= 20.0))
    record_property("erle_db", round(erle, 1))  # type: ignore[operator]
    record_property("erle_frames_cancelled", round(cancelled, 3))  # type: ignore[operator]
    diagnosis = (
        f"{cancelled:.1%} of {len(per_frame)} voiced 10 ms frames cancelled by >= 20 dB, frames below: "
        f"{np.flatnonzero(per_frame < 20.0)[:30].tolist()}; timeline resyncs "
        f"{canceller.timeline.resyncs}, late reads {canceller.timeline.late_reads}, anchor resets "
        f"{canceller.timeline.clock.resets}; {(mic.counters() + sp.counters()).line()}"
    )
    print(
        f"ERLE on the loopback path: {erle:.1f} dB (echo {echo_in:.1f} -> {echo_out:.1f} dBFS); {diagnosis}"
    )
    assert echo_in > -21.5 + echo_gain_db - 3, "the loopback really fed the speaker back into the mic"
    # A brief scheduling glitch on a loaded machine (a late PulseAudio period shifts the echo path for a
    # moment while AEC3 re-finds the delay) leaks a few frames, and one loud frame dominates an energy mean
    # (CI once measured 19.6 dB overall with typical runs at 60-70 dB), so the bound is on the share of
    # frames. Without echo cancellation no frame reaches 20 dB.
    assert cancelled >= 0.9, f"echo leaked: ERLE {erle:.1f} dB overall; {diagnosis}"
    assert erle >= 10.0, f"ERLE {erle:.1f} dB overall; {diagnosis}"

    # Double talk: the user's words come through, at a level a voice detector hears, with their rhythm.
    alone = o[marks["near_alone"] * blk : marks["far_start"] * blk]
    during = o[marks["double_talk"] * blk : marks["double_talk_end"] * blk]
    env_alone, env_during = envelope(alone, MIC_FORMAT.rate), envelope(during, MIC_FORMAT.rate)
    corr, lag = best_lag_correlation(env_during, env_alone, max_lag=len(env_during) // 3)
    span = min(len(env_alone), len(env_during) - lag)
    a, d = env_alone[:span], env_during[lag : lag + span]
    voiced = 20 * np.log10(a + 1e-12) > -40
    kept_db = 20 * np.log10(np.mean(d[voiced]) / np.mean(a[voiced]))
    present = float(np.mean(20 * np.log10((d[voiced] + 1e-12) / a[voiced]) > -20))
    print(
        f"double talk: near-end kept {kept_db:+.1f} dB, {present:.0%} of voiced frames present, r={corr:.2f}"
    )
    record_property("double_talk_kept_db", round(kept_db, 1))  # type: ignore[operator]
    assert kept_db > min_kept_db, f"the user's speech was attenuated by {-kept_db:.1f} dB under double talk"
    assert present > min_present, f"only {present:.0%} of the user's voiced frames came through"
    assert corr > 0.4, f"the user's speech lost its rhythm under double talk (r={corr:.2f})"
