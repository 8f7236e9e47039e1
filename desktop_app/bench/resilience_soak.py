"""The strict soak: every fault at random over several seeds, and every reply checked against its
utterance, through the real SDK, the fault proxy and the emulator (``resilience_faults``'s rig, with the
default reconnect policy), next to the real devices, camera and history disk of
:mod:`desktop_app.bench.soak_local_faults` (PulseAudio null sinks; a tmpfs, mounted if this runs as root).

Each seed runs ``GLD_STRICT_SOAK_TURNS`` turns (default 20; seeds ``GLD_STRICT_SOAK_SEEDS``, default
``1,2,3``; ``GLD_STRICT_SOAK_SHORT=1`` runs one seed with each kind once, in order: the smoke mode).
A turn: the user says 0.6 to 2.0 s of speech (a whole number of 20 ms blocks, drawn by the seed) and
ends it; the seed draws a fault for the turn (or none) and its moment: a blackhole (both ways, down,
up) or a reset, mid-utterance or just before its end; a cut mid-frame at the reply's first words; a
latency burst (200 ms + jitter); or a device or storage fault (:data:`LOCAL_KINDS`: microphone or
speaker unplugged, camera died, history disk full or read-only) mid-utterance, measured and put back as
that module says, while the turn's reply is checked as for any other turn (the conversation goes on).

Each reply is checked, strictly:

- **tied by turn number**: the emulator numbers its replies and resumption keeps the count, so the reply
  to the k-th utterance must say turn k; a reply with another number is a lost or duplicated turn;
- **heard = said**: the reply's echoed audio must last as long as the utterance, within one 20 ms block
  (shorter: reply audio *missing*; longer: audio *duplicated*);
- **once**: an utterance with no full reply is *lost*, a second full reply is *duplicated*.

Report per fault kind: injected, detected (network: the session reconnected in that turn; local: the
module's own test), recovered (network: live again), time to detect and to recover (p50, max; ms from
the injection), lost, duplicated; for an unplugged device also the time to use it again once it is back
(``return_ms``). Latency must not be detected (it is not a failure). Storage kinds are left out of the
schedule when no tmpfs can be mounted (their ``injected`` stays 0).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from desktop_app.bench.resilience_faults import POLICY, Rig, rig
from desktop_app.bench.resilience_rig import Listener, speech_tone
from desktop_app.bench.soak_local_faults import (
    LOCAL_KINDS,
    STORAGE_KINDS,
    LocalFaults,
    LocalOutcome,
    local_faults,
)
from desktop_app.core.audio_format import MODEL_FORMAT
from desktop_app.core.events import ModelAudio, SessionPhase, SessionState, TurnComplete
from desktop_app.core.stats import percentile
from desktop_app.live.reconnect import ReconnectPolicy
from desktop_app.live.resilient_session import ResilientEvent

__all__ = ["KINDS", "KindReport", "bench_strict_soak", "strict_soak"]

Metric = tuple[str, float, str]

NETWORK_KINDS = (
    "none",
    "blackhole_both",
    "blackhole_down",
    "blackhole_up",
    "reset",
    "cut_mid_frame",
    "latency",
)
KINDS = NETWORK_KINDS + LOCAL_KINDS
_TURN = re.compile(r"^Offline emulator, turn (\d+): I heard ")
_BLOCK_S = 0.020


class AudioListener(Listener):
    """A :class:`Listener` that also keeps each completed reply's audio duration (``reply_audio_s``,
    parallel to ``replies``); a reply cut by a reconnect starts again from zero."""

    def __init__(self) -> None:
        super().__init__()
        self.reply_audio_s: list[float] = []
        self._audio = 0

    def _take(self, event: ResilientEvent) -> None:
        if isinstance(event, ModelAudio):
            self._audio += len(event.pcm)
        elif isinstance(event, TurnComplete):
            self.reply_audio_s.append(MODEL_FORMAT.duration_s(self._audio))
            self._audio = 0
        elif isinstance(event, SessionState) and event.phase is SessionPhase.RECONNECTING:
            self._audio = 0
        super()._take(event)


@dataclass
class KindReport:
    injected: int = 0
    detected: int = 0
    recovered: int = 0
    detect_ms: list[float] = field(default_factory=list)
    recover_ms: list[float] = field(default_factory=list)
    lost: int = 0  # utterances without a full reply, replies short of reply audio, turn numbers skipped
    duplicated: int = 0  # second replies, replies with extra audio, turn numbers repeated
    return_ms: list[float] = field(default_factory=list)  # an unplugged device: back → used again


async def _turn(
    r: Rig, local: LocalFaults | None, rng: random.Random, k: int, report: KindReport, kind: str
) -> None:
    listener = r.listener
    assert isinstance(listener, AudioListener)
    said_s = rng.randint(30, 100) * _BLOCK_S
    speech = speech_tone(said_s)
    injected: list[float] = []

    def inject(fault: Callable[[], object]) -> Callable[[], None]:
        def go() -> None:
            injected.append(time.perf_counter())
            fault()

        return go

    proxy = r.proxy
    faults: dict[str, Callable[[], object]] = {
        "blackhole_both": proxy.blackhole,
        "blackhole_down": lambda: proxy.blackhole(up=False),
        "blackhole_up": lambda: proxy.blackhole(down=False),
        "reset": proxy.reset,
    }
    replies, states, handles = len(listener.replies), len(listener.states), listener.handles
    lines = 0
    listener.reply_started.clear()
    if kind in faults:
        early = rng.random() < 0.5
        fault = inject(faults[kind])
        await r.speak(mid=fault if early else None, before_end=None if early else fault, speech=speech)
    elif kind in LOCAL_KINDS:
        assert local is not None
        lines = local.lines()
        await r.speak(mid=lambda: injected.append(local.inject(kind)), speech=speech)  # its own clock
    elif kind == "latency":
        inject(lambda: proxy.latency(0.2, jitter_s=0.1))()
        await r.speak(speech=speech)
    else:
        await r.speak(speech=speech)
        if kind == "cut_mid_frame":
            await listener.reply_started.wait()
            inject(proxy.cut_mid_frame)()
    got = await listener.wait(lambda: len(listener.replies) > replies, 30.0)
    await listener.wait(lambda: False, 0.3)  # a duplicate reply would come right after the first
    proxy.latency(0.0)
    new_states = listener.states[states:]
    if kind != "none":
        report.injected += 1
    if kind in LOCAL_KINDS and local is not None:
        _local(report, await local.measure(kind, injected[0], lines))
    elif reconnecting := [t for t, s in new_states if s.phase is SessionPhase.RECONNECTING]:
        report.detected += 1
        report.detect_ms.append((reconnecting[0] - injected[0]) * 1000 if injected else 0.0)
        lives = [t for t, s in new_states if s.phase is SessionPhase.LIVE]
        if lives:
            report.recovered += 1
            report.recover_ms.append((lives[0] - injected[0]) * 1000 if injected else 0.0)
    if not got:
        report.lost += 1
        return
    for index in range(replies, len(listener.replies)):
        match = _TURN.match(listener.replies[index][1])
        number = int(match.group(1)) if match else -1
        audio_s = listener.reply_audio_s[index]
        if index > replies:
            report.duplicated += 1
        elif number < k:
            report.duplicated += 1  # a turn answered again
        elif number > k:
            report.lost += 1  # a turn the service never answered
        elif audio_s < said_s - _BLOCK_S:
            report.lost += 1  # reply audio missing
        elif audio_s > said_s + _BLOCK_S:
            report.duplicated += 1  # reply audio repeated
    if local is not None:
        local.turn(k)
    await r.settle(handles)


def _local(report: KindReport, out: LocalOutcome) -> None:
    if out.detect_ms is not None:
        report.detected += 1
        report.detect_ms.append(out.detect_ms)
    if out.recover_ms is not None:
        report.recovered += 1
        report.recover_ms.append(out.recover_ms)
    if out.return_ms is not None:
        report.return_ms.append(out.return_ms)
    report.lost += out.lost
    report.duplicated += out.duplicated


async def strict_soak(
    seeds: tuple[int, ...],
    turns: int,
    *,
    every_kind: bool = False,
    policy: ReconnectPolicy = POLICY,
    kinds: tuple[str, ...] = KINDS,
) -> dict[str, KindReport]:
    """Run the soak of the module docstring over ``kinds``; a report per kind (``none`` included). With
    ``every_kind`` the kinds come in order instead of at random (the smoke mode). Local kinds need the
    PulseAudio rig (and root, for the storage kinds; without it they are left out)."""
    reports = {kind: KindReport() for kind in kinds}
    local_cm = (
        local_faults if any(k in LOCAL_KINDS for k in kinds) else lambda _prefix: contextlib.nullcontext()
    )
    for seed in seeds:
        rng = random.Random(seed)
        async with (
            rig(pace=2.0, policy=policy, listener=AudioListener(), seed=seed) as r,
            local_cm(f"glds{os.getpid()}_{seed}") as local,
        ):
            if local is None or not local.storage:
                kinds = tuple(k for k in kinds if k not in STORAGE_KINDS)
            for k in range(1, turns + 1):
                kind = kinds[(k - 1) % len(kinds)] if every_kind else rng.choice(kinds)
                await _turn(r, local, rng, k, reports[kind], kind)
    return reports


def _p50(samples: list[float]) -> float:
    return percentile(samples, 50) if samples else float("nan")


def bench_strict_soak() -> list[Metric]:
    """Per fault kind: injected, detected, recovered, time to recover, lost, duplicated (the docstring)."""
    short = os.environ.get("GLD_STRICT_SOAK_SHORT") == "1"
    seeds = (
        (1,) if short else tuple(int(s) for s in os.environ.get("GLD_STRICT_SOAK_SEEDS", "1,2,3").split(","))
    )
    turns = len(KINDS) if short else int(os.environ.get("GLD_STRICT_SOAK_TURNS", "20"))
    started = time.perf_counter()
    reports = asyncio.run(strict_soak(seeds, turns, every_kind=short))
    metrics: list[Metric] = [
        ("strict_soak_seeds", len(seeds), "count"),
        ("strict_soak_turns", turns * len(seeds), "count"),
    ]
    for kind, rep in reports.items():
        p = f"strict_soak_{kind}"
        metrics += [
            (f"{p}_injected", rep.injected, "count"),
            (f"{p}_detected", rep.detected, "count"),
            (f"{p}_recovered", rep.recovered, "count"),
            (f"{p}_detect_ms_p50", _p50(rep.detect_ms), "ms"),
            (f"{p}_detect_ms_max", max(rep.detect_ms, default=float("nan")), "ms"),
            (f"{p}_recover_ms_p50", _p50(rep.recover_ms), "ms"),
            (f"{p}_recover_ms_max", max(rep.recover_ms, default=float("nan")), "ms"),
            (f"{p}_lost", rep.lost, "count"),
            (f"{p}_duplicated", rep.duplicated, "count"),
        ]
        if kind.endswith("_unplugged"):
            metrics.append((f"{p}_return_ms_p50", _p50(rep.return_ms), "ms"))
    metrics += [
        ("strict_soak_lost_total", sum(r.lost for r in reports.values()), "count"),
        ("strict_soak_duplicated_total", sum(r.duplicated for r in reports.values()), "count"),
        ("strict_soak_real_s", time.perf_counter() - started, "s"),
    ]
    return metrics
