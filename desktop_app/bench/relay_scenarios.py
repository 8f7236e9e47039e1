"""Relay benchmarks: our relay against a baseline written the way the tutorial writes its relay.

Setup, the same for both relays, measured in one run:

- The relay runs in its own process pinned to one CPU (``os.sched_setaffinity``), with a fast in-process
  fake live backend (:class:`~desktop_app.live.fake_session.FakeConnector` with ``echo_audio``: every
  audio block sent is echoed back at once as model audio). So the figures are the relay's own cost: its
  WebSocket server, JSON/base64 codec, validation and queues, not the emulator's or the SDK's.
- The browser clients are Python websockets clients in this process, pinned to another CPU when there is
  one. Each sends the page's message form: one 20 ms PCM16 block (640 bytes) per message, base64 in JSON.
- Fair by construction: every relay and the floor use the same compression as ours ships (none; the
  tutorial's ``websockets.serve`` default, permessage-deflate, is turned off for it), and ours runs as
  shipped, rate limiter on, in the latency comparison.
- ``relay_added_latency_ms``: 16 clients at 50 messages/s each. Round trip client → relay → session →
  relay → client, minus the round trip of calling the same fake session directly (a few µs), p50/p99 from
  2,400 round trips per round, median over rounds. The same run gives ``relay_harness_floor_ms`` (a bare
  echo server through the same harness: what the clients and the loopback cost) and each relay process's
  CPU share at that load (``…_cpu_pct_of_core_at_16x50``).
- ``relay_limiter_off_messages_per_s``: capacity. 16 clients each keeping 32 messages in flight for a few
  seconds, ours with its rate limiter OFF (the flood is ~12× the per-client limit, which would answer it
  with errors by design). One "message" is one round trip, per wall second; the relay process's CPU share
  and messages per relay CPU-second too.
- The baseline (``tutorial_*``): the tutorial's handler shape — ``websockets.serve``, the first message as
  the setup, one task per direction gathered, ``print`` of every message and response to a devnull
  stream, ``json`` with base64 — on the same fake backend.

The relay processes are in :mod:`desktop_app.bench.relay_process`; this module holds the clients and
the scenarios.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
import os
import statistics
import struct
import sys
import time
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from desktop_app.bench.relay_process import RelayProcess
from desktop_app.core.audio_format import MIC_FORMAT
from desktop_app.core.commands import UserAudio
from desktop_app.core.stats import percentile
from desktop_app.live.fake_session import FakeConnector
from desktop_app.live.options import SessionOptions

__all__ = [
    "bench_relay_added_latency",
    "bench_relay_messages_per_s",
]

Metric = tuple[str, float, str]

CLIENTS = 16
RATE_PER_CLIENT = 50  # messages/s: 20 ms blocks
LATENCY_SECONDS = 9.0  # per relay, split into rounds
LATENCY_ROUNDS = 3
WARMUP_SECONDS = 1.0
FLOOD_SECONDS = 5.0
FLOOD_WINDOW = 32
BLOCK_BYTES = MIC_FORMAT.bytes_for_ms(20)
AUDIO_SETUP = json.dumps({"setup": {"generation_config": {"response_modalities": ["AUDIO"]}}})


def _cpus() -> tuple[int | None, set[int] | None]:
    """(CPU for the relay, CPUs for the clients); (None, None) when there is one CPU or no affinity API."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return None, None
    return available[0], set(available[1:])


@contextlib.contextmanager
def _pinned(cpus: set[int] | None) -> Any:
    if cpus is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


# --- clients ----------------------------------------------------------------------------------------------


def _block(seq: int) -> bytes:
    """A 20 ms block of a 440 Hz tone whose first 8 bytes carry ``seq``."""
    tone = bytearray(BLOCK_BYTES)
    for i in range(4, BLOCK_BYTES // 2):
        struct.pack_into("<h", tone, i * 2, int(8000 * math.sin(2 * math.pi * 440 * i / MIC_FORMAT.rate)))
    struct.pack_into("<q", tone, 0, seq)
    return bytes(tone)


_TEMPLATE = _block(0)


def _frame(seq: int) -> str:
    pcm = struct.pack("<q", seq) + _TEMPLATE[8:]
    chunk = {"mime_type": "audio/pcm;rate=16000", "data": base64.b64encode(pcm).decode()}
    return json.dumps({"realtime_input": {"media_chunks": [chunk]}})


def _seq_of(message: str | bytes) -> int | None:
    data = json.loads(message)
    if "audio" not in data:
        return None
    return int(struct.unpack_from("<q", base64.b64decode(data["audio"]))[0])


async def _handshake(ws: Any, client: int) -> None:
    """Send the setup, then one probe block, and wait for its echo (both relays answer it)."""
    await ws.send(AUDIO_SETUP)
    probe = -(client + 1)
    await ws.send(_frame(probe))
    async for message in ws:
        if _seq_of(message) == probe:
            return


async def _paced_client(port: int, client: int, start_at: float, seconds: float, rtts: list[float]) -> None:
    """Send one block every 20 ms from ``start_at`` for ``seconds``; record round trips after warm-up."""
    async with connect(f"ws://127.0.0.1:{port}/", max_size=None) as ws:
        await _handshake(ws, client)
        sent: dict[int, float] = {}
        measure_from = start_at + WARMUP_SECONDS
        stop_at = measure_from + seconds
        finished = asyncio.Event()
        all_sent = False

        async def reader() -> None:
            async for message in ws:
                seq = _seq_of(message)
                at = time.perf_counter()
                if seq is not None and seq in sent:
                    started = sent.pop(seq)
                    if started >= measure_from:
                        rtts.append(at - started)
                if all_sent and not sent:
                    finished.set()

        reading = asyncio.create_task(reader())
        interval = 1.0 / RATE_PER_CLIENT
        next_at = start_at + client * interval / CLIENTS  # spread the clients over one interval
        seq = client * 1_000_000
        while next_at < stop_at:
            delay = next_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            frame = _frame(seq)
            sent[seq] = time.perf_counter()
            await ws.send(frame)
            seq += 1
            next_at += interval
        all_sent = True
        if not sent:
            finished.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2.0):
                await finished.wait()
        await ws.close()  # the reader keeps draining, so the close handshake completes
        with contextlib.suppress(ConnectionClosed):
            await reading


async def _flood_client(
    port: int, client: int, counts: list[int], ready: asyncio.Barrier, stop: asyncio.Event
) -> None:
    async with connect(f"ws://127.0.0.1:{port}/", max_size=None) as ws:
        await _handshake(ws, client)
        frame = _frame(client)
        window = asyncio.Semaphore(FLOOD_WINDOW)

        async def reader() -> None:
            with contextlib.suppress(ConnectionClosed):
                async for _ in ws:
                    counts[client] += 1
                    window.release()

        reading = asyncio.create_task(reader())
        await ready.wait()
        while not stop.is_set():
            await window.acquire()
            await ws.send(frame)
        await ws.close()  # the reader keeps draining echoes, so the close handshake completes
        await reading


async def _latency_run(port: int, seconds: float) -> list[float]:
    rtts: list[float] = []
    start_at = time.perf_counter() + 0.5
    await asyncio.gather(*(_paced_client(port, c, start_at, seconds, rtts) for c in range(CLIENTS)))
    return rtts


async def _flood_run(port: int, relay: RelayProcess) -> tuple[float, float | None]:
    counts = [0] * CLIENTS
    ready = asyncio.Barrier(CLIENTS + 1)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_flood_client(port, c, counts, ready, stop)) for c in range(CLIENTS)]
    await ready.wait()
    await asyncio.sleep(WARMUP_SECONDS)
    first, cpu0, t0 = sum(counts), relay.cpu_seconds(), time.perf_counter()
    await asyncio.sleep(FLOOD_SECONDS)
    last, cpu1, t1 = sum(counts), relay.cpu_seconds(), time.perf_counter()
    stop.set()
    await asyncio.gather(*tasks)
    cpu_share = (cpu1 - cpu0) / (t1 - t0) if cpu0 is not None and cpu1 is not None else None
    return (last - first) / (t1 - t0), cpu_share


async def _direct_rtts(count: int = 2000) -> list[float]:
    """The same round trip on the fake session without a relay: send → next event."""
    async with FakeConnector(echo_audio=True).connect(SessionOptions()) as session:
        events = session.events()
        rtts = []
        for seq in range(count):
            block = struct.pack("<q", seq) + _TEMPLATE[8:]
            started = time.perf_counter()
            await session.send(UserAudio(block))
            await anext(events)
            rtts.append(time.perf_counter() - started)
        return rtts


# --- scenarios ----------------------------------------------------------------------------------------------


def _measure_latency(kind: str, seconds: float) -> tuple[list[float], float]:
    """Round trips (s) at 16 × 50 msg/s through relay ``kind``, and its CPU share (cores) meanwhile (the
    paced part and its warm-up; NaN where /proc cannot tell)."""
    relay_cpu, client_cpus = _cpus()
    with RelayProcess(kind, relay_cpu, max_clients=CLIENTS * 2) as relay, _pinned(client_cpus):
        cpu0, t0 = relay.cpu_seconds(), time.perf_counter()
        rtts = asyncio.run(_latency_run(relay.port, seconds))
        cpu1, t1 = relay.cpu_seconds(), time.perf_counter()
    expected = CLIENTS * RATE_PER_CLIENT * seconds
    if len(rtts) < 0.95 * expected:
        raise RuntimeError(f"{kind}: only {len(rtts)} of {expected:.0f} round trips completed")
    share = (cpu1 - cpu0) / (t1 - t0) if cpu0 is not None and cpu1 is not None else float("nan")
    return rtts, share


def bench_relay_added_latency() -> list[Metric]:
    """Added round-trip latency, 16 clients × 50 audio messages/s, for our relay and the tutorial-style
    baseline, plus a bare echo server (the harness floor), each with its CPU share. The machine may be
    shared, so the relays are measured in alternating rounds and each figure is the median over the
    rounds."""
    direct = asyncio.run(_direct_rtts())
    direct_ms = {50: percentile(direct, 50) * 1000, 99: percentile(direct, 99) * 1000}
    per_round: dict[tuple[str, int], list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for _ in range(LATENCY_ROUNDS):
        for kind in ("ours", "tutorial", "floor"):
            rtts, share = _measure_latency(kind, LATENCY_SECONDS / LATENCY_ROUNDS)
            cpu.setdefault(kind, []).append(share * 100)
            for pct in (50, 99):
                added = percentile(rtts, pct) * 1000 - direct_ms[pct]
                per_round.setdefault((kind, pct), []).append(added)
    figure = {key: statistics.median(values) for key, values in per_round.items()}
    return [
        ("relay_added_latency_ms_p50", figure["ours", 50], "ms"),
        ("relay_added_latency_ms_p99", figure["ours", 99], "ms"),
        ("tutorial_relay_added_latency_ms_p50", figure["tutorial", 50], "ms"),
        ("tutorial_relay_added_latency_ms_p99", figure["tutorial", 99], "ms"),
        ("relay_harness_floor_ms_p50", figure["floor", 50], "ms"),
        ("relay_harness_floor_ms_p99", figure["floor", 99], "ms"),
        ("relay_added_latency_p50_tutorial_over_ours", figure["tutorial", 50] / figure["ours", 50], "x"),
        ("relay_added_latency_p99_tutorial_over_ours", figure["tutorial", 99] / figure["ours", 99], "x"),
        *(
            (f"{prefix}_cpu_pct_of_core_at_16x50", statistics.median(cpu[kind]), "%")
            for kind, prefix in (("ours", "relay"), ("tutorial", "tutorial_relay"), ("floor", "relay_floor"))
        ),
    ]


def bench_relay_messages_per_s() -> list[Metric]:
    """Capacity: sustained round trips per second through a relay pinned to one core, ours with its rate
    limiter off (the flood is far beyond the per-client limit, by design) and the baseline.

    The load generator is one Python core too and can be the limit, so the relay process's CPU share is
    measured, and ``*_messages_per_cpu_s`` (round trips per CPU-second the relay used) is what one fully
    busy core sustains; the ratios compare those.
    """
    relay_cpu, client_cpus = _cpus()
    results: list[Metric] = []
    per_cpu: dict[str, float] = {}
    wall: dict[str, float] = {}
    for kind, prefix in (("ours_unlimited", "relay_limiter_off"), ("tutorial", "tutorial_relay")):
        with RelayProcess(kind, relay_cpu, max_clients=CLIENTS * 2) as relay, _pinned(client_cpus):
            rate, cpu_share = asyncio.run(_flood_run(relay.port, relay))
        wall[kind] = rate
        results.append((f"{prefix}_messages_per_s", rate, "msg/s"))
        if cpu_share:
            per_cpu[kind] = rate / cpu_share
            results.append((f"{prefix}_cpu_share", cpu_share, "cores"))
            results.append((f"{prefix}_messages_per_cpu_s", per_cpu[kind], "msg/cpu-s"))
    results.append(
        ("relay_messages_per_s_ours_over_tutorial", wall["ours_unlimited"] / wall["tutorial"], "x")
    )
    if len(per_cpu) == 2:
        ratio = per_cpu["ours_unlimited"] / per_cpu["tutorial"]
        results.append(("relay_messages_per_cpu_s_ours_over_tutorial", ratio, "x"))
    return results


if __name__ == "__main__":  # quick manual run: python -m desktop_app.bench.relay_scenarios
    for scenario in (bench_relay_added_latency, bench_relay_messages_per_s):
        for name, value, unit in scenario():
            print(f"{name:<48} {value:>12.3f} {unit}", file=sys.stdout)
