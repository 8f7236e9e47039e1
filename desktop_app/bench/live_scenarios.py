"""Live-session scenarios against the built-in emulator, through the real SDK over TLS on loopback.

No device is involved here: what the user hears is :mod:`desktop_app.bench.device_latency`'s.

* ``emulator_turn_latency_ms``: ``audioStreamEnd`` sent → first reply audio yielded by the session, 100 turns.
* ``session_send_audio_overhead_us``: one 20 ms ``send(UserAudio)`` through the SDK, 2000 sends.
* ``paced_send_lateness_ms``: 20 ms blocks of silence sent at real-time pace from a timer (no microphone):
  when the block was due → its send returned, 500 blocks with video off and 500 with video on.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np

from desktop_app.core.audio_format import MIC_FORMAT, float_to_pcm16
from desktop_app.core.commands import AudioStreamEnd, UserAudio, UserImage
from desktop_app.core.events import ModelAudio, TurnComplete
from desktop_app.core.stats import percentile
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions

Metric = tuple[str, float, str]

TURNS = 100  # enough for a p99


def speech_like_pcm(seconds: float, rate: int = MIC_FORMAT.rate) -> bytes:
    """A 220 Hz tone with a 4 Hz syllable envelope: loud enough for any energy VAD."""
    t = np.arange(int(seconds * rate)) / rate
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)
    return float_to_pcm16(0.4 * envelope * np.sin(2 * np.pi * 220 * t))


async def _with_session(body, pace: float = 0.0):  # type: ignore[no-untyped-def]
    async with Emulator(EmulatorConfig(pace=pace)) as emu:
        backend = Backend("emulator", "bench-key", emu.base_url, emu.client_ssl_context())
        async with GenaiConnector(backend).connect(SessionOptions()) as session:
            return await body(session)


def bench_emulator_turn_latency() -> list[Metric]:
    """End of speech (audio_stream_end sent) → first reply audio event, over :data:`TURNS` turns of 0.2 s
    speech (the reply, its echo, streams at real-time pace)."""

    async def body(session) -> list[float]:  # type: ignore[no-untyped-def]
        latencies: list[float] = []
        events = session.events()
        block = MIC_FORMAT.bytes_for_ms(20)
        speech = speech_like_pcm(0.2)
        for _ in range(TURNS):
            for offset in range(0, len(speech), block):
                await session.send(UserAudio(speech[offset : offset + block]))
            end = time.perf_counter()
            await session.send(AudioStreamEnd())
            first = None
            async for event in events:
                if isinstance(event, ModelAudio) and first is None:
                    first = time.perf_counter()
                if isinstance(event, TurnComplete):
                    break
            if first is not None:
                latencies.append((first - end) * 1000)
        return latencies

    values = asyncio.run(_with_session(body, pace=1.0))
    return [
        ("emulator_turn_latency_ms_p50", percentile(values, 50), "ms"),
        ("emulator_turn_latency_ms_p99", percentile(values, 99), "ms"),
    ]


def bench_session_send_audio_overhead() -> list[Metric]:
    """The cost of one 20 ms ``send(UserAudio)`` through the SDK onto the socket (2000 sends)."""

    async def body(session) -> list[float]:  # type: ignore[no-untyped-def]
        block = bytes(MIC_FORMAT.bytes_for_ms(20))  # silence: the emulator's VAD stays quiet
        costs = []
        for _ in range(2000):
            started = time.perf_counter()
            await session.send(UserAudio(block))
            costs.append((time.perf_counter() - started) * 1e6)
        return costs

    values = asyncio.run(_with_session(body))
    return [
        ("session_send_audio_overhead_us_p50", percentile(values, 50), "us"),
        ("session_send_audio_overhead_us_p99", percentile(values, 99), "us"),
    ]


async def _paced_send_lateness(session, seconds: float) -> list[float]:  # type: ignore[no-untyped-def]
    """Send 20 ms blocks at real-time pace from a timer; return block due → send returned, in ms.

    No microphone is involved: the figure is how late a paced send goes out, so a loop kept busy by
    something else (video encoding, frame sends) shows up as late wake-ups.
    """
    block = bytes(MIC_FORMAT.bytes_for_ms(20))
    loop = asyncio.get_running_loop()
    start = loop.time()
    out = []
    for index in range(int(seconds / 0.02)):
        ready = start + index * 0.02
        delay = ready - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)  # pacing like a microphone, not synchronisation
        await session.send(UserAudio(block))
        out.append((loop.time() - ready) * 1000)
    return out


def bench_paced_send_lateness() -> list[Metric]:
    """Paced send lateness with video off, then on (2 fps 1280x720 camera), in one run on one session
    (500 blocks each)."""
    from desktop_app.bench.video_scenarios import vision_load

    async def body(session) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
        off = await _paced_send_lateness(session, 10.0)
        async with vision_load(lambda jpeg: session.send(UserImage(jpeg)), fps=2.0):
            on = await _paced_send_lateness(session, 10.0)
        return off, on

    off, on = asyncio.run(_with_session(body))
    p99_off, p99_on = percentile(off, 99), percentile(on, 99)
    return [
        ("paced_send_lateness_ms_p50_video_off", percentile(off, 50), "ms"),
        ("paced_send_lateness_ms_p99_video_off", p99_off, "ms"),
        ("paced_send_lateness_ms_p99_video_on", p99_on, "ms"),
        ("paced_send_lateness_video_ratio_p99", p99_on / p99_off if p99_off else 0.0, "x"),
    ]
