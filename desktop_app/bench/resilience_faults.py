"""Network faults for real: per fault, the time to detect it and to recover, through the real SDK, the fault
proxy (:mod:`desktop_app.bench.resilience_proxy`) and the emulator over TLS on loopback, with the default
:class:`~desktop_app.live.reconnect.ReconnectPolicy` (its real stall bound: 3 s + a 1.5 s probe).

``network_faults``: ``GLD_BENCH_FAULT_CYCLES`` cycles (default 3) of each fault. A cycle is one turn: the
user says 1 s of speech and ends it (``audioStreamEnd``); the fault comes at the moment named per kind:

- ``blackhole_both`` / ``blackhole_down`` / ``blackhole_up``: the path goes dark (no FIN, no RST) just
  before the end of the utterance goes out: a turn is open and nothing answers it (the stall watchdog);
- ``half_open_idle``: the path goes dark between turns, when nothing is owed (the WebSocket keepalive);
- ``reset``: RST both ways mid-utterance; ``cut_mid_frame``: the connection ends inside a frame at the
  reply's first words;
- ``latency`` (150 ms + up to 100 ms jitter) and ``throttle`` (64 kB/s per direction): slow, not broken;
  the session must not reconnect (``reconnects`` must be 0).

*detect* = injection → the consumer sees ``SessionState(RECONNECTING)``; *recover* = injection → it sees
``SessionState(LIVE)`` again; *turn* = the end of the utterance → its reply's ``turnComplete``.

``half_open_turn_cost``: in one run, ``GLD_BENCH_FAULT_CYCLES`` clean turns and as many turns whose link goes
half-open as the utterance ends, alternating; the p50 turn time of each and the difference (what a half-open
link costs a turn).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

from desktop_app.bench.resilience_proxy import FaultProxy
from desktop_app.bench.resilience_rig import Listener, speech_tone
from desktop_app.core.audio_format import MIC_FORMAT
from desktop_app.core.commands import AudioStreamEnd, UserAudio
from desktop_app.core.events import SessionPhase
from desktop_app.core.stats import percentile
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import ReconnectPolicy
from desktop_app.live.resilient_connector import ResilientConnector
from desktop_app.live.resilient_session import ResilientSession

__all__ = ["FAULTS", "FaultRun", "Rig", "bench_half_open_turn_cost", "bench_network_faults", "rig"]

Metric = tuple[str, float, str]

POLICY = replace(ReconnectPolicy(), stable_after_s=0.5)
"""The default policy; a connection counts as stable after 0.5 s so that each cycle's fault is a first
failure (retried at once), as it is in use, without waiting 30 s between cycles."""

WAIT_S = 30.0
_UTTERANCE = speech_tone(1.0)
_BLOCK = MIC_FORMAT.bytes_for_ms(20)


@dataclass
class Rig:
    """One session through the proxy, its consumer, and the user's turns."""

    emu: Emulator
    proxy: FaultProxy
    session: ResilientSession
    listener: Listener

    def states(self, phase: SessionPhase) -> list[float]:
        return [t for t, s in self.listener.states if s.phase is phase]

    async def speak(
        self,
        before_end: Callable[[], None] | None = None,
        mid: Callable[[], None] | None = None,
        speech: bytes = _UTTERANCE,
    ) -> float:
        """``speech`` (1 s by default; ``mid`` called halfway), then ``before_end``, then the end of the
        utterance. Returns when the end went out (perf_counter)."""
        blocks = [speech[i : i + _BLOCK] for i in range(0, len(speech), _BLOCK)]
        for index, block in enumerate(blocks):
            if mid is not None and index == len(blocks) // 2:
                mid()
            await self.session.send(UserAudio(block))
        if before_end is not None:
            before_end()
        ended = time.perf_counter()
        await self.session.send(AudioStreamEnd())
        return ended

    async def reply(self, replies_before: int) -> float:
        """When the next reply completed (perf_counter); raises if none within ``WAIT_S``."""
        listener = self.listener
        if not await listener.wait(lambda: len(listener.replies) > replies_before, WAIT_S):
            raise RuntimeError("no reply")
        return listener.replies[replies_before][0]

    async def settle(self, handles_before: int) -> None:
        """Wait for a resumption handle newer than ``handles_before`` and for the connection to count as
        stable."""
        await self.listener.wait(lambda: self.listener.handles > handles_before, WAIT_S)
        await asyncio.sleep(POLICY.stable_after_s)  # the policy's own clock: let the connection be stable


@asynccontextmanager
async def rig(
    pace: float = 1.0, policy: ReconnectPolicy = POLICY, listener: Listener | None = None, seed: int = 0
) -> AsyncIterator[Rig]:
    """The emulator, the proxy in front of it, a resilient session through both and its consumer
    (``listener``, a new :class:`Listener` by default)."""
    async with Emulator(EmulatorConfig(pace=pace)) as emu, FaultProxy(emu.port, seed=seed) as proxy:
        backend = Backend("emulator", "bench-key", proxy.base_url, emu.client_ssl_context())
        async with ResilientConnector(GenaiConnector(backend), policy).connect(SessionOptions()) as session:
            listener = listener or Listener()
            task = asyncio.create_task(listener.run(session), name="faults-listener")
            try:
                await listener.wait(lambda: listener.handles >= 1, WAIT_S)
                yield Rig(emu, proxy, session, listener)
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


@dataclass
class FaultRun:
    """The samples of one fault kind (ms)."""

    detect_ms: list[float] = field(default_factory=list)
    recover_ms: list[float] = field(default_factory=list)
    turn_ms: list[float] = field(default_factory=list)
    reconnects: int = 0


async def _cycle(r: Rig, kind: str, run: FaultRun) -> None:
    """One turn with ``kind`` injected (see the module docstring); appends its samples to ``run``."""
    proxy, listener = r.proxy, r.listener
    reconnecting, lives, replies = (
        len(r.states(SessionPhase.RECONNECTING)),
        listener.lives(),
        len(listener.replies),
    )
    injected: list[float] = []
    handles = listener.handles

    def inject(fault: Callable[[], object]) -> Callable[[], None]:
        def go() -> None:
            injected.append(time.perf_counter())
            fault()

        return go

    if kind == "half_open_idle":
        inject(proxy.blackhole)()
        await listener.wait(lambda: listener.lives() > lives, WAIT_S)  # the keepalive's to notice
        ended = await r.speak()
    elif kind.startswith("blackhole_"):
        way = kind.removeprefix("blackhole_")
        ended = await r.speak(before_end=inject(lambda: proxy.blackhole(up=way != "down", down=way != "up")))
    elif kind == "reset":
        ended = await r.speak(mid=inject(proxy.reset))
    elif kind == "cut_mid_frame":
        listener.reply_started.clear()
        ended = await r.speak()
        await listener.reply_started.wait()
        inject(proxy.cut_mid_frame)()
    else:  # latency, throttle: set for the whole run by the caller
        ended = await r.speak()
    done = await r.reply(replies)
    run.turn_ms.append((done - ended) * 1000)
    new_states = r.states(SessionPhase.RECONNECTING)[reconnecting:]
    run.reconnects += len(new_states)
    if injected and new_states:
        run.detect_ms.append((new_states[0] - injected[0]) * 1000)
        await listener.wait(lambda: listener.lives() > lives, WAIT_S)
        run.recover_ms.append((r.states(SessionPhase.LIVE)[-1] - injected[0]) * 1000)
    await r.settle(handles)


FAULTS = (
    "blackhole_both",
    "blackhole_down",
    "blackhole_up",
    "half_open_idle",
    "reset",
    "cut_mid_frame",
    "latency",
    "throttle",
)


async def fault_runs(kinds: tuple[str, ...], cycles: int) -> dict[str, FaultRun]:
    """Each kind of ``kinds``, ``cycles`` times, on a rig of its own."""
    runs: dict[str, FaultRun] = {}
    for kind in kinds:
        run = runs[kind] = FaultRun()
        async with rig() as r:
            if kind == "latency":
                r.proxy.latency(0.15, jitter_s=0.1)
            elif kind == "throttle":
                r.proxy.throttle(64_000)
            for _ in range(cycles):
                await _cycle(r, kind, run)
    return runs


def _p(samples: list[float], q: float) -> float:
    return percentile(samples, q) if samples else float("nan")


def _cycles() -> int:
    raw = os.environ.get("GLD_BENCH_FAULT_CYCLES")
    return int(raw) if raw else 3


def bench_network_faults() -> list[Metric]:
    """Per fault: detect and recover (p50, max), the turn's time, and reconnects (see the docstring)."""
    metrics: list[Metric] = []
    for kind, run in asyncio.run(fault_runs(FAULTS, _cycles())).items():
        metrics += [
            (f"fault_{kind}_detect_ms_p50", _p(run.detect_ms, 50), "ms"),
            (f"fault_{kind}_detect_ms_max", max(run.detect_ms, default=float("nan")), "ms"),
            (f"fault_{kind}_recover_ms_p50", _p(run.recover_ms, 50), "ms"),
            (f"fault_{kind}_recover_ms_max", max(run.recover_ms, default=float("nan")), "ms"),
            (f"fault_{kind}_turn_ms_p50", _p(run.turn_ms, 50), "ms"),
            (f"fault_{kind}_reconnects", run.reconnects, "count"),
        ]
    return metrics


async def half_open_turn_cost(cycles: int) -> tuple[FaultRun, FaultRun]:
    """Clean and half-open turns, alternating on one session: (clean, half_open)."""
    clean, half_open = FaultRun(), FaultRun()
    async with rig() as r:
        for _ in range(cycles):
            await _cycle(r, "clean", clean)
            await _cycle(r, "blackhole_both", half_open)
    return clean, half_open


def bench_half_open_turn_cost() -> list[Metric]:
    """What a half-open link costs a turn, against clean turns of the same run."""
    clean, half_open = asyncio.run(half_open_turn_cost(_cycles()))
    clean_p50, half_p50 = _p(clean.turn_ms, 50), _p(half_open.turn_ms, 50)
    return [
        ("half_open_turn_clean_ms_p50", clean_p50, "ms"),
        ("half_open_turn_half_open_ms_p50", half_p50, "ms"),
        ("half_open_turn_extra_ms_p50", half_p50 - clean_p50, "ms"),
        ("half_open_turn_extra_ms_max", max(half_open.turn_ms) - clean_p50, "ms"),
    ]
