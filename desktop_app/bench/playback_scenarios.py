"""Speaker benchmarks measured where the user hears it: at the PulseAudio sink's monitor.

Each ``bench_*`` returns ``[(metric, value, unit), ...]``; every scenario opens a real
:class:`~desktop_app.audio.playback.SpeakerPlayback` on a private null sink of
:class:`tests.support.pulse_rig.PulseRig` and records that sink's monitor with ``parec``.

The sink clock: ``parec`` hands over what the null sink rendered as it renders it, so the sample that
starts a read was rendered about when the read arrives. Sample ``k`` is dated ``t0 + k / rate`` on
``time.monotonic``, with ``t0`` the smallest ``arrival - frames_before / rate`` over the reads (the least
delayed read; later ones only arrive later). Checked against PortAudio's own predicted DAC time: within
about 1 ms.

* ``downlink_play_to_sink_ms``: ``play()`` of a reply's first chunk (200 ms of tone in 40 ms chunks at
  once, as the emulator's lead sends them) → its first sample audible at the sink. Split into stages:
  ``…[written]`` (jitter buffer and callback wait: → the callback that wrote the first sample),
  ``…[dac_predicted]`` (→ PortAudio's predicted DAC time: the device buffer), and the sink figure.
* ``interrupt_to_silence_at_sink_ms``: ``interrupt()`` → the last audible sample at the sink.
* ``playback_underrun_grid``: underflows (PortAudio) and jitter-buffer underruns per minute for each
  device buffer × prefill, with a reply arriving in 20 ms chunks with ±10 ms of network jitter, quiet and
  with a Python thread busy half the time (GIL contention, as a busy loop thread makes).
* ``playback_soak``: a reply streamed at real-time pace (emulator-like: 40 ms chunks, 200 ms lead) for
  ``--duration`` seconds (60 in the suite) with the shipped, adaptive settings: underruns, underflows,
  buffer changes.

Run alone: ``python -m desktop_app.bench.playback_scenarios {sink,grid,soak} [--duration S]``.
Figures are for comparison, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from desktop_app.audio.playback import PlaybackConfig, SpeakerPlayback
from desktop_app.bench.audio_scenarios import private_rig
from desktop_app.core.audio_format import MODEL_FORMAT, float_to_pcm16
from desktop_app.core.events import ModelAudio
from desktop_app.core.stats import percentile
from tests.support.pulse_rig import PulseRig, Recorder

Metric = tuple[str, float, str]

SINK_SAMPLES = 100
GRID_LATENCIES = (0.010, 0.015, 0.020, 0.030)
GRID_PREFILLS = (0.0, 20.0, 40.0)


class TimedRecorder(Recorder):
    """A :class:`~tests.support.pulse_rig.Recorder` that notes when each read arrived, to date samples."""

    def __init__(self, device: str, rate: int = 48_000) -> None:
        self.reads: list[tuple[float, int]] = []  # (monotonic arrival, frames recorded before it)
        super().__init__(device, rate)

    def _read(self) -> None:
        assert self._proc.stdout is not None
        while True:
            data = os.read(self._proc.stdout.fileno(), 65536)
            arrived = time.monotonic()
            if not data:
                break
            with self._cond:
                self.reads.append((arrived, self._nbytes // 4))
                self._chunks.append(data)
                self._nbytes += len(data)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def t0(self, near: float, span_s: float = 1.0, skip: int = 20) -> float:
        """The monotonic time of sample 0 (see the module docstring), from the reads within ``span_s`` of
        the moment ``near``: should parec lose audio on a loaded machine, only samples dated across
        the loss would be off. The first ``skip`` reads are parec's start-up burst."""
        reads = self.reads[skip:] or self.reads
        local = [(a, b) for a, b in reads if abs(a - near) <= span_s] or reads
        return min(arrived - before / self.rate for arrived, before in local)


def _rig() -> contextlib.AbstractContextManager[PulseRig]:
    return private_rig("gldp")


def _tone(ms: float, level: float = 0.5) -> bytes:
    n = MODEL_FORMAT.frames_for_ms(ms)
    return float_to_pcm16(level * np.sin(2 * np.pi * 1000 * np.arange(n) / MODEL_FORMAT.rate))


def _chunks(pcm: bytes, ms: float) -> list[bytes]:
    step = MODEL_FORMAT.bytes_for_ms(ms)
    return [pcm[i : i + step] for i in range(0, len(pcm), step)]


async def _blocks(sp: SpeakerPlayback, count: int) -> None:
    target = sp.callbacks + count
    await sp.wait_for(lambda: sp.callbacks >= target, 5)


async def _sink_run(rig: PulseRig, config: PlaybackConfig, count: int) -> dict[str, list[float]]:
    loop = asyncio.get_running_loop()
    # The recorder first: parec attaching to the monitor changes the sink's latency, and a 24 kHz stream
    # of the ALSA pulse plugin that was open then sometimes underflowed continuously afterwards.
    rec = TimedRecorder(rig.speaker_monitor, rig.rate)
    sp = SpeakerPlayback(config, loop)
    plays: list[tuple[float, float]] = []
    out: dict[str, list[float]] = {"written": [], "dac_predicted": [], "int_written": [], "int_dac": []}
    try:
        await asyncio.to_thread(rec.wait_frames, rig.rate // 2, 10)
        sp.start()
        await sp.wait_ready(15)
        reply = _chunks(_tone(200), 40)
        rng = np.random.default_rng(3)
        for _ in range(count):
            await _blocks(sp, 4)
            # A reply arrives at any phase of the device's period, not just after a callback: pacing.
            await asyncio.sleep(float(rng.uniform(0.0, config.block_ms / 1000)))
            played = time.monotonic()
            for chunk in reply:
                sp.play(ModelAudio(chunk))
            await sp.wait_for(lambda: sp.last_turn is not None, 5)
            await _blocks(sp, 16)
            interrupted = time.monotonic()
            sp.interrupt()
            await sp.wait_for(lambda: sp.last_interrupt is not None, 5)
            turn, stop = sp.last_turn, sp.last_interrupt
            assert turn is not None and stop is not None
            out["written"].append(turn.written_ms)
            out["dac_predicted"].append(turn.dac_ms)
            out["int_written"].append(stop.written_ms)
            out["int_dac"].append(stop.dac_ms)
            sp.last_turn = sp.last_interrupt = None
            plays.append((played, interrupted))
            await _blocks(sp, 16)  # the fade reaches the sink before the next reply
    finally:
        samples = rec.stop()
        await sp.aclose()
    out["underflows"] = [float(sp.output_underflows)]
    out["sink"], out["int_sink"] = _at_sink(samples, rec, plays)
    out["buffer_ms"] = [sp.output_buffer_ms]
    return out


def _at_sink(
    x: npt.NDArray[np.float32], rec: TimedRecorder, plays: list[tuple[float, float]]
) -> tuple[list[float], list[float]]:
    """Per reply: ``play()`` → first audible sample, ``interrupt()`` → last audible sample (ms)."""
    loud = np.abs(x) > 0.02
    rate = rec.rate
    onsets: list[float] = []
    silences: list[float] = []
    nexts = [p for p, _ in plays[1:]] + [plays[-1][1] + 0.2]
    for (played, interrupted), next_play in zip(plays, nexts, strict=True):
        t0 = rec.t0(played)
        i0 = max(0, int((played - t0) * rate))
        on = int(np.argmax(loud[i0:])) + i0
        onsets.append((t0 + on / rate - played) * 1000)
        j0 = max(0, int((interrupted - t0) * rate))
        seg = loud[j0 : max(j0, int((next_play - t0) * rate))]
        last = len(seg) - int(np.argmax(seg[::-1])) if seg.any() else 0
        silences.append((t0 + (j0 + last) / rate - interrupted) * 1000)
    return onsets, silences


def _summary(name: str, values: list[float]) -> list[Metric]:
    q = (50, 99) if len(values) >= 100 else (50,)
    out = [(f"{name}[p{p}]", percentile(values, p), "ms") for p in q]
    return [*out, (f"{name}[max,n={len(values)}]", max(values), "ms")]


def sink_figures(config: PlaybackConfig, count: int = SINK_SAMPLES, tag: str = "") -> list[Metric]:
    with _rig() as rig:
        r = asyncio.run(_sink_run(rig, config, count))
    t = f"{tag}," if tag else ""
    return [
        (f"speaker_buffer_ms[{tag or 'shipped'}]", r["buffer_ms"][0], "ms"),
        (f"speaker_underflows[{tag or 'shipped'}]", r["underflows"][0], ""),
        *_summary(f"downlink_play_to_sink_ms[{t}written]", r["written"]),
        *_summary(f"downlink_play_to_sink_ms[{t}dac_predicted]", r["dac_predicted"]),
        *_summary(f"downlink_play_to_sink_ms[{t}sink]", r["sink"]),
        *_summary(f"interrupt_to_silence_at_sink_ms[{t}written]", r["int_written"]),
        *_summary(f"interrupt_to_silence_at_sink_ms[{t}sink]", r["int_sink"]),
    ]


def bench_downlink_to_sink() -> list[Metric]:
    """The shipped settings with 100 replies, then the old fixed 30 ms buffer and a 48 kHz device
    (our resampler in the path) with 30 each for comparison."""
    return [
        *sink_figures(PlaybackConfig()),
        *sink_figures(PlaybackConfig(latency=0.030), 30, "fixed_30ms"),
        *sink_figures(PlaybackConfig(rate=48_000), 30, "48k_resampled"),
    ]


@contextlib.contextmanager
def _busy_thread(on: bool, duty_s: float = 0.010) -> Iterator[None]:
    """A Python thread that computes for ``duty_s`` and sleeps as long, holding the GIL while it works."""
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            end = time.perf_counter() + duty_s
            while time.perf_counter() < end:
                pass
            stop.wait(duty_s)  # the idle half of the duty cycle

    thread = threading.Thread(target=spin, name="bench-gil-load", daemon=True) if on else None
    if thread is not None:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if thread is not None:
            thread.join(5)


async def _stream_reply(
    sp: SpeakerPlayback, seconds: float, chunk_ms: float, jitter_ms: float, lead_ms: float
) -> None:
    """Feed ``seconds`` of a reply at real-time pace: chunk ``k`` is due at ``k * chunk_ms - lead_ms``
    (± uniform ``jitter_ms``), as a network delivers it."""
    loop = asyncio.get_running_loop()
    rng = np.random.default_rng(7)
    t = np.arange(int(MODEL_FORMAT.rate * seconds)) / MODEL_FORMAT.rate
    reply = _chunks(float_to_pcm16(0.2 * np.sin(2 * np.pi * 300 * t)), chunk_ms)
    start = loop.time()
    for k, chunk in enumerate(reply):
        due = start + (k * chunk_ms - lead_ms + float(rng.uniform(-jitter_ms, jitter_ms))) / 1000
        await asyncio.sleep(max(0.0, due - loop.time()))  # pacing a producer, not synchronising
        sp.play(ModelAudio(chunk))
    await sp.drain()


async def _underruns(config: PlaybackConfig, seconds: float, **feed: float) -> dict[str, float]:
    sp = SpeakerPlayback(config, asyncio.get_running_loop())
    sp.start()
    try:
        await sp.wait_ready(15)
        before = sp.counters()
        started = time.monotonic()
        await _stream_reply(sp, seconds, **feed)
        wall = time.monotonic() - started
    finally:
        await sp.aclose()
    c = sp.counters()
    per_min = 60.0 / wall
    policy = sp.output_policy
    last_rung_s = wall if policy is None else time.monotonic() - policy.history[-1][0]
    return {
        "last_rung_s": last_rung_s,
        "last_rung_underflows": float(
            c.output_underflows - before.output_underflows if policy is None else policy.underflows_since_open
        ),
        "underflows_per_min": (c.output_underflows - before.output_underflows) * per_min,
        "underruns_per_min": (c.underruns - before.underruns) * per_min,
        "buffer_changes": float(c.output_buffer_changes),
        "buffer_ms": c.output_buffer_ms,
        "prefill_ms": c.prefill_ms,
        "wall_s": wall,
    }


def grid(seconds: float = 10.0) -> list[Metric]:
    out: list[Metric] = []
    with _rig():
        for load in (False, True):
            for latency in GRID_LATENCIES:
                for prefill in GRID_PREFILLS:
                    config = PlaybackConfig(latency=latency, prefill_ms=prefill)
                    with _busy_thread(load):
                        r = asyncio.run(_underruns(config, seconds, chunk_ms=20, jitter_ms=10, lead_ms=0))
                    tag = f"{latency * 1000:g}ms,prefill{prefill:g},{'gil_load' if load else 'quiet'}"
                    out.append((f"speaker_underflows_per_min[{tag}]", r["underflows_per_min"], "1/min"))
                    out.append((f"jitter_underruns_per_min[{tag}]", r["underruns_per_min"], "1/min"))
    return out


def bench_playback_underrun_grid() -> list[Metric]:
    return grid()


def soak(seconds: float = 60.0) -> list[Metric]:
    with _rig():
        r = asyncio.run(_underruns(PlaybackConfig(), seconds, chunk_ms=40, jitter_ms=0, lead_ms=200))
    return [
        ("playback_soak_s", r["wall_s"], "s"),
        ("playback_soak_underflows_per_min", r["underflows_per_min"], "1/min"),
        ("playback_soak_underruns_per_min", r["underruns_per_min"], "1/min"),
        ("playback_soak_buffer_changes", r["buffer_changes"], ""),
        ("playback_soak_buffer_ms_at_end", r["buffer_ms"], "ms"),
        ("playback_soak_s_on_that_buffer", r["last_rung_s"], "s"),
        ("playback_soak_underflows_on_that_buffer", r["last_rung_underflows"], ""),
        ("playback_soak_prefill_ms_at_end", r["prefill_ms"], "ms"),
    ]


def bench_playback_soak() -> list[Metric]:
    return soak()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop_app.bench.playback_scenarios")
    parser.add_argument("scenario", choices=("sink", "grid", "soak"))
    parser.add_argument("--duration", type=float, default=None, help="seconds per run (grid, soak)")
    parser.add_argument("--samples", type=int, default=SINK_SAMPLES, help="replies (sink)")
    parser.add_argument("--latency", type=float, default=None, help="fix the device buffer, s (sink)")
    args = parser.parse_args(argv)
    kw: dict[str, Any] = {} if args.duration is None else {"seconds": args.duration}
    if args.scenario == "sink":
        config = replace(PlaybackConfig(), latency=args.latency)
        metrics = sink_figures(config, args.samples, "" if args.latency is None else f"{args.latency:g}s")
    else:
        metrics = grid(**kw) if args.scenario == "grid" else soak(**kw)
    for name, value, unit in metrics:
        print(f"{name:<60} {value:>10.2f} {unit}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
