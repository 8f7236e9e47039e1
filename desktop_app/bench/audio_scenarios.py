"""Audio benchmarks on real PortAudio devices (PulseAudio null sinks, started here if needed).

Each ``bench_*`` returns ``[(metric, value, unit), ...]``. They need the Debian packages ``pulseaudio``,
``pulseaudio-utils`` and ``espeak-ng``; :func:`tests.support.pulse_rig.ensure_daemon` starts the daemon
of DESIGN.md §7 if none runs, and every scenario uses its own private null sinks.

* Echo cancellation is in :mod:`.echo_scenarios` (a room-like echo path).
* ``interrupt_to_silence_written_ms``: ``interrupt()`` → the callback that wrote the last non-zero sample
  into PortAudio's buffer; ``interrupt_to_silence_predicted_dac_ms``: → the DAC time PortAudio *predicts*
  for it (nothing observes the device here: :mod:`desktop_app.bench.device_latency` does). 100 interrupts.
* ``first_audio_to_portaudio_buffer_ms``: a new turn's first chunk given to ``play()`` → the callback that
  copied its first sample into PortAudio's buffer (the buffer and the sound server's latency come after;
  the figure at the sink is ``device_latency``'s). 120 turns.
* ``underruns_per_min``: 20 s of reply streamed in 40 ms chunks with ±15 ms network jitter, scaled;
  with the prefill it adapted to.
* ``aec_cpu_per_10ms_frame``: the WebRTC module alone (AEC + NS), no devices.
* ``mic_block_to_engine_ms``: capture callback → the block yielded by ``MicCapture.blocks()`` (500 blocks;
  the capture half of what the engine counts from ``MicAudio.captured_at``; from the ADC to the socket is
  ``device_latency``'s ``mic_adc_to_socket_ms``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
import wave
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.audio import devices
from desktop_app.audio.capture import CaptureConfig, MicCapture
from desktop_app.audio.echo import EchoCanceller, EchoSettings
from desktop_app.audio.playback import PlaybackConfig, SpeakerPlayback
from desktop_app.audio.streams import ShellWiring
from desktop_app.core.audio_format import MODEL_FORMAT, float_to_pcm16, pcm16_to_float, to_pcm16
from desktop_app.core.events import ModelAudio
from desktop_app.core.stats import percentile
from tests.support.pulse_rig import PulseRig, ensure_daemon

Metric = tuple[str, float, str]

FAR_TEXT = (
    "This is the model talking through the loudspeaker. Every word of this reply should be removed from "
    "the microphone signal by the echo canceller, while the person in the room is still heard clearly. "
    "One, two, three, four, five, six, seven, eight, nine, ten."
)
NEAR_TEXT = "Hello, this is the user speaking at the same time. Please keep my voice."


@contextlib.contextmanager
def private_rig(prefix: str = "gldb") -> Iterator[PulseRig]:
    """A private rig on the shared daemon (started if none runs), routed while the block runs."""
    ensure_daemon()
    devices.rescan()
    rig = PulseRig(f"{prefix}{os.getpid()}")
    rig.setup()
    try:
        with rig.route():
            yield rig
    finally:
        rig.teardown()


def _speech(path: Path, text: str, voice: str) -> tuple[np.ndarray, int]:
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True, timeout=60)
    with wave.open(str(path), "rb") as w:
        return pcm16_to_float(w.readframes(w.getnframes())), w.getframerate()


def _db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, np.float64) ** 2) + 1e-20))


def _env(x: np.ndarray, frame: int = 160) -> np.ndarray:
    n = len(x) // frame * frame
    env: np.ndarray = np.sqrt(np.mean(np.asarray(x[:n], np.float64).reshape(-1, frame) ** 2, axis=1))
    return env


def _pct(values: list[float], q: float) -> float:
    """The ``q`` percentile, or NaN when a run produced no samples (the metric still gets a line)."""
    return percentile(values, q) if values else float("nan")


Measure = Callable[[], Coroutine[Any, Any, list[float]]]


def _rig_p50_p99(name: str, measure: Measure) -> list[Metric]:
    """Run ``measure`` on the PulseAudio rig; its median and 99th percentile as ``name[p50]`` and
    ``name[p99]`` (ms). ``measure`` must return at least 100 values for the p99 to mean anything."""
    with private_rig():
        values = asyncio.run(measure())
    return [(f"{name}[p{q}]", _pct(values, q), "ms") for q in (50, 99)]


async def _blocks_written(sp: SpeakerPlayback, count: int) -> None:
    target = sp.callbacks + count
    await sp.wait_for(lambda: sp.callbacks >= target, 5)


async def _interrupts(count: int) -> tuple[list[float], list[float]]:
    loop = asyncio.get_running_loop()
    sp = SpeakerPlayback(PlaybackConfig(), loop)
    sp.start()
    written: list[float] = []
    at_dac: list[float] = []
    t = np.arange(MODEL_FORMAT.rate * 2) / MODEL_FORMAT.rate
    tone = float_to_pcm16(0.3 * np.sin(2 * np.pi * 440 * t))
    try:
        await sp.wait_ready(15)
        for _ in range(count):
            sp.play(ModelAudio(tone))
            await sp.wait_for(lambda: sp.last_turn is not None, 5)
            turn = sp.last_turn
            await _blocks_written(sp, 10)  # let the reply play for a moment
            sp.interrupt()
            await sp.wait_for(lambda: sp.last_interrupt is not None, 5)
            timing = sp.last_interrupt
            assert timing is not None and turn is not None
            written.append(timing.written_ms)
            at_dac.append(timing.dac_ms)
            sp.last_interrupt = None
            sp.last_turn = None
    finally:
        await sp.aclose()
    return written, at_dac


INTERRUPTS = 100  # enough for a p99


def bench_interrupt_to_silence() -> list[Metric]:
    """``interrupt()`` → last sound written to PortAudio's buffer, and → PortAudio's predicted DAC time."""
    with private_rig():
        written, at_dac = asyncio.run(_interrupts(INTERRUPTS))
    return [(f"interrupt_to_silence_written_ms[p{q}]", _pct(written, q), "ms") for q in (50, 99)] + [
        (f"interrupt_to_silence_predicted_dac_ms[p{q}]", _pct(at_dac, q), "ms") for q in (50, 99)
    ]


async def _first_audio(count: int) -> list[float]:
    loop = asyncio.get_running_loop()
    sp = SpeakerPlayback(PlaybackConfig(), loop)
    sp.start()
    chunk = float_to_pcm16(0.2 * np.ones(MODEL_FORMAT.frames_for_ms(80)))
    out: list[float] = []
    try:
        await sp.wait_ready(15)
        for _ in range(count):
            sp.play(ModelAudio(chunk))
            await sp.wait_for(lambda: sp.last_turn is not None, 5)
            assert sp.last_turn is not None
            out.append(sp.last_turn.written_ms)
            sp.last_turn = None
            sp.interrupt()  # end the turn so the next chunk starts a new one
            await sp.wait_for(lambda: sp.last_interrupt is not None, 5)
            sp.last_interrupt = None
    finally:
        await sp.aclose()
    return out


def bench_first_audio_to_portaudio_buffer() -> list[Metric]:
    """A new turn's first chunk given to ``play()`` → its first sample copied into PortAudio's buffer."""
    return _rig_p50_p99("first_audio_to_portaudio_buffer_ms", lambda: _first_audio(120))


def bench_aec_cpu() -> list[Metric]:
    """CPU of the WebRTC module alone per 10 ms frame (no devices): 20 s of synthetic echo."""
    rng = np.random.default_rng(0)
    far = (rng.standard_normal(16_000 * 20) * 0.1).astype(np.float32)
    near = to_pcm16(np.roll(far, 960) * 0.5)  # a 60 ms echo path
    canceller = EchoCanceller(EchoSettings(noise_suppression=True))
    frames = 0
    start = time.process_time()
    for i in range(0, len(far), 320):
        t = 100.0 + i / 16_000
        canceller.push_render(far[i : i + 320], 16_000, t)
        canceller.process(near[i : i + 320], t)
        frames += 2
    per_frame = (time.process_time() - start) / frames * 1e6
    return [("aec_cpu_per_10ms_frame[aec+ns]", per_frame, "us")]


async def _steady_playback(seconds: float) -> tuple[int, int, float]:
    loop = asyncio.get_running_loop()
    sp = SpeakerPlayback(PlaybackConfig(), loop)
    sp.start()
    rng = np.random.default_rng(1)
    t = np.arange(int(MODEL_FORMAT.rate * seconds)) / MODEL_FORMAT.rate
    reply = float_to_pcm16(0.2 * np.sin(2 * np.pi * 300 * t))
    step = MODEL_FORMAT.bytes_for_ms(40)
    try:
        await sp.wait_ready(15)
        start = loop.time()
        for k, i in enumerate(range(0, len(reply), step)):
            due = start + k * 0.040 + float(rng.uniform(-0.015, 0.015))  # network jitter
            await asyncio.sleep(max(0.0, due - loop.time()))  # pacing a producer, not synchronising
            sp.play(ModelAudio(reply[i : i + step]))
        await sp.drain()
    finally:
        await sp.aclose()
    c = sp.counters()
    jb = sp.jitter_buffer
    prefill_ms = jb.prefill_frames * 1000.0 / sp.rate if jb is not None else float("nan")
    return c.underruns, c.output_underflows, prefill_ms


def bench_playback_underruns() -> list[Metric]:
    seconds = 20.0
    with private_rig():
        underruns, underflows, prefill_ms = asyncio.run(_steady_playback(seconds))
    scale = 60.0 / seconds  # a 20 s run scaled: one adaptive step reads as 3/min
    return [
        ("underruns_per_min[jitter_buffer]", underruns * scale, "1/min"),
        ("underruns_per_min[portaudio_output]", underflows * scale, "1/min"),
        ("playback_prefill_after_run_ms", prefill_ms, "ms"),
    ]


async def _mic_latency(blocks: int) -> list[float]:
    loop = asyncio.get_running_loop()
    mic = MicCapture(CaptureConfig(), loop, ShellWiring(canceller=EchoCanceller(EchoSettings())))
    mic.start()
    lat: list[float] = []
    try:
        await mic.wait_ready(15)
        ready = time.monotonic()  # blocks queued while the stream settled are older: not counted
        async for block in mic.blocks():
            if block.captured_at > ready:
                lat.append((time.monotonic() - block.captured_at) * 1000.0)
            if len(lat) >= blocks:
                break
    finally:
        await mic.aclose()
    return lat


def bench_mic_block_to_engine() -> list[Metric]:
    return _rig_p50_p99("mic_block_to_engine_ms", lambda: _mic_latency(500))
