"""Real PortAudio capture and playback through PulseAudio null sinks."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np
import pytest
import soxr

from desktop_app.audio.capture import CaptureConfig, MicCapture
from desktop_app.audio.devices import DeviceKind, resolve_device
from desktop_app.audio.playback import PlaybackConfig, SpeakerPlayback
from desktop_app.core.audio_format import MIC_FORMAT, MODEL_FORMAT, float_to_pcm16, pcm16_to_float
from desktop_app.core.events import MicAudio, ModelAudio
from tests.support.pulse_rig import PulseRig

from .conftest import read_wav
from .signals import db, envelope, peak_hz, record_more, wait_until_loud

pytestmark = [pytest.mark.devices, pytest.mark.timeout(90)]


@pytest.mark.parametrize("rate", [44_100, 48_000])
async def test_capture_at_the_device_rate_is_resampled_to_16k_keeping_the_tone(
    routed: PulseRig, tone_wav: Path, rate: int
) -> None:
    loop = asyncio.get_running_loop()
    device = resolve_device(None, DeviceKind.INPUT)
    mic = MicCapture(CaptureConfig(device=device.index, device_name=device.device.name, rate=rate), loop)
    mic.start()
    assert mic.rate == rate
    loud: list[MicAudio] = []
    all_blocks: list[MicAudio] = []
    enough = asyncio.Event()

    async def consume() -> None:
        async for block in mic.blocks():
            all_blocks.append(block)
            if enough.is_set():
                continue  # keep the run of tone blocks that was measured, even after the tone ends
            level = db(pcm16_to_float(block.pcm))
            if level > -20:
                loud.append(block)
                if len(loud) >= 60:  # 1.2 s of tone
                    enough.set()
            else:
                loud.clear()  # only consecutive tone blocks

    consumer = asyncio.create_task(consume())
    try:
        assert await mic.wait_ready(15), "the capture stream never settled"
        player = routed.play_into_mic(tone_wav)
        async with asyncio.timeout(30):
            await enough.wait()
        await asyncio.to_thread(player.wait, 30)
    finally:
        await mic.aclose()
        async with asyncio.timeout(5):
            await consumer
    assert all(b.fmt == MIC_FORMAT and len(b.pcm) == MIC_FORMAT.bytes_for_ms(20) for b in all_blocks)
    stamps = [b.captured_at for b in all_blocks]
    assert stamps == sorted(stamps) and stamps[-1] <= time.monotonic()
    x = pcm16_to_float(b"".join(b.pcm for b in loud[5:]))
    assert abs(peak_hz(x, MIC_FORMAT.rate) - 1000.0) < 3.0
    assert abs(db(x) - db(0.5 * np.sin(np.linspace(0, 200 * np.pi, 10_000)))) < 1.0, "level kept"
    assert mic.counters().overflows == 0


@pytest.mark.parametrize("rate", [None, 48_000])
async def test_playback_of_known_speech_reaches_the_speaker_sink(
    routed: PulseRig, far_speech_wav: Path, rate: int | None
) -> None:
    speech, wav_rate = read_wav(far_speech_wav)
    speech24 = soxr.resample(speech, wav_rate, MODEL_FORMAT.rate).astype(np.float32)[: 24_000 * 4]
    loop = asyncio.get_running_loop()
    device = resolve_device(None, DeviceKind.OUTPUT)
    sp = SpeakerPlayback(PlaybackConfig(device=device.index, device_name=device.device.name, rate=rate), loop)
    sp.start()
    assert sp.rate == (rate or MODEL_FORMAT.rate)
    rec = routed.record_speaker()
    try:
        assert await sp.wait_ready(15), "the output stream never settled"
        await record_more(rec, 0.1)
        pcm = float_to_pcm16(speech24)
        chunk = MODEL_FORMAT.bytes_for_ms(40)
        for i in range(0, len(pcm), chunk):
            sp.play(ModelAudio(pcm[i : i + chunk]))
        async with asyncio.timeout(30):
            await sp.drain()
        await record_more(rec, 0.3)
    finally:
        recorded = rec.stop()
        await sp.aclose()
    # Align to the sample (FFT cross-correlation at 24 kHz), then compare 10 ms energy envelopes.
    heard24 = soxr.resample(recorded, rec.rate, MODEL_FORMAT.rate).astype(np.float64)
    size = 1 << int(np.ceil(np.log2(len(heard24) + len(speech24))))
    xc = np.fft.irfft(np.fft.rfft(heard24, size) * np.conj(np.fft.rfft(speech24, size)), size)
    lag = int(np.argmax(xc[: len(heard24) - len(speech24) + 1]))
    aligned = heard24[lag : lag + len(speech24)]
    corr = float(
        np.corrcoef(envelope(aligned, MODEL_FORMAT.rate), envelope(speech24, MODEL_FORMAT.rate))[0, 1]
    )
    assert corr > 0.99, f"envelope correlation {corr:.3f}"
    assert abs(db(aligned) - db(speech24)) < 1.0, "played at the level it was sent (volume 1)"
    assert sp.counters().underruns == 0


async def test_interrupt_makes_the_speaker_go_silent_with_a_fade(routed: PulseRig) -> None:
    loop = asyncio.get_running_loop()
    device = resolve_device(None, DeviceKind.OUTPUT)
    sp = SpeakerPlayback(PlaybackConfig(device=device.index, rate=48_000), loop)
    sp.start()
    rec = routed.record_speaker()
    t = np.arange(24_000 * 3) / 24_000
    reply = float_to_pcm16(0.5 * np.sin(2 * np.pi * 440 * t))  # 3 s of reply queued
    try:
        assert await sp.wait_ready(15)
        for i in range(0, len(reply), 4800):
            sp.play(ModelAudio(reply[i : i + 4800]))
        await wait_until_loud(rec)
        await record_more(rec, 0.2)  # 200 ms of reply heard
        sp.interrupt()
        await sp.wait_for(lambda: sp.last_interrupt is not None, 5)
        await record_more(rec, 0.6)
    finally:
        recorded = rec.stop()
        await sp.aclose()
    env = envelope(recorded, rec.rate)
    loud = np.flatnonzero(env > 0.05)
    heard_ms = 10 * len(loud)
    assert 150 <= heard_ms < 800, f"{heard_ms} ms of the 3 s reply was heard"
    assert np.all(env[loud[-1] + 1 :] < 1e-4), "silent after the interrupt, and it stays silent"
    assert len(env) - loud[-1] > 40, "at least 400 ms of silence recorded after it"
    max_step = float(np.max(np.abs(np.diff(recorded))))
    assert max_step < 0.06, f"a {max_step:.2f} jump: the cut clicked (a 440 Hz sine steps ≤ 0.03)"
    timing = sp.last_interrupt
    assert timing is not None and timing.written_at >= timing.asked_at
