"""Resilience scenarios: reconnect gaps and a long accelerated soak, against the built-in emulator through the
real SDK over TLS on loopback, with the resilient connector (``desktop_app.live.resilient_session``).

``reconnect_gap``: goAway (or an abrupt drop) → the session is live again, p50/p99, measured from the
moment the emulator is told to send goAway / cut the TCP stream to the ``SessionState(LIVE)`` the consumer
sees, while a microphone streams in real time. The policy's own measurement (failure or reconnect
decision → live, the replay included) is reported too. Each drop comes after the connection counted as
stable (the policy's ``stable_after_s`` is lowered to 0.5 s so that the scenario does not take 30 s a cycle),
so every drop is a first failure, retried at once, as it is in use. Loopback has no network latency, so a
third run holds every server message back ``GLD_BENCH_SERVER_DELAY_MS`` (default 150 ms; the setup's
answer included) to show the gap with a distant server (the TLS handshake itself stays on loopback).

``soak``: a conversation of ``GLD_SOAK_SIMULATED_S`` simulated seconds (default 600) run ``GLD_SOAK_SPEEDUP``
times faster than real time (default 8: reply audio paced at 8×, the microphone streamed at 8×, every
timer of the emulator and of the reconnect policy divided by 8). The emulator sends ``goAway`` 60 simulated
seconds into every connection, and the TCP stream is cut (no close frame) at seeded random moments 45 to
135 simulated seconds apart, wherever the conversation is (every other drop waits for the next reply's
first words, so that replies are cut too). The
user says an utterance (1.0, 1.5, 2.0 or 2.5 s of speech, then 0.8 s of silence), waits for the reply, and
goes on.

*Lost messages* are counted three ways, and their sum must be 0:
- an utterance that got no complete reply turn (``turnComplete``) within 15 real seconds;
- a reply that heard less of the utterance than was said (the emulator reports the duration it heard;
  more than 0.3 s short means audio was lost across a reconnect);
- a completed reply whose output transcription is not the emulator's whole sentence (a transcript piece
  is missing).
Replies cut by a reconnect and said again in full afterwards are counted (``soak_replies_repeated``), not
lost; a second full reply to one utterance is counted as ``soak_duplicate_replies``.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
from dataclasses import dataclass, field, fields
from typing import NamedTuple

from desktop_app.bench.processes import proc_rss_mb
from desktop_app.bench.resilience_rig import Listener, Mic, emulator_connector, scaled_policy, speech_tone
from desktop_app.core.audio_format import MIC_FORMAT
from desktop_app.core.events import SessionPhase
from desktop_app.core.stats import percentile
from desktop_app.emulator import Emulator, EmulatorConfig, Faults
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import ReconnectPolicy
from desktop_app.live.resilient_session import ResilienceStats

Metric = tuple[str, float, str]

_REPLY = re.compile(
    r"^Offline emulator, turn \d+: I heard ([\d.]+) s of speech at -?\d+ dBFS and am playing it back to "
    r"you\. No camera frame received\.$"
)


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def _open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1


# --- reconnect gap --------------------------------------------------------------------------------


async def _gaps(kind: str, cycles: int, server_delay_ms: float = 0.0) -> tuple[list[float], list[float]]:
    policy = ReconnectPolicy(stable_after_s=0.5)
    async with (
        Emulator(EmulatorConfig(pace=1.0, faults=Faults(reply_delay_ms=server_delay_ms))) as emu,
        emulator_connector(emu, policy).connect(SessionOptions()) as session,
    ):
        listener = Listener()
        mic = Mic(session, speed=1.0)
        tasks = [asyncio.create_task(listener.run(session)), asyncio.create_task(mic.run())]
        outside: list[float] = []
        try:
            await listener.wait(lambda: listener.handles >= 1, 10)
            for _ in range(cycles):
                lives = listener.lives()
                handles = listener.handles
                started = time.perf_counter()
                if kind == "go_away":
                    emu.go_away(time_left_s=10.0)
                else:
                    emu.drop_connections()
                ok = await listener.wait(lambda: listener.lives() > lives, 10)  # noqa: B023
                if not ok:
                    raise RuntimeError(f"no reconnect after {kind}")
                live_at = [t for t, s in listener.states if s.phase is SessionPhase.LIVE][-1]
                outside.append((live_at - started) * 1000)
                await listener.wait(lambda: listener.handles > handles, 10)  # noqa: B023
                await asyncio.sleep(policy.stable_after_s)  # let the connection count as stable
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        inside = session.stats.go_away_gaps_ms if kind == "go_away" else session.stats.failure_gaps_ms
        return outside, list(inside)


def bench_reconnect_gap() -> list[Metric]:
    """goAway / drop → live again (p50/p99), with a microphone streaming; ``GLD_BENCH_RECONNECTS`` cycles."""
    cycles = _env_int("GLD_BENCH_RECONNECTS", 30)
    metrics: list[Metric] = []
    for kind in ("go_away", "drop"):
        outside, inside = asyncio.run(_gaps(kind, cycles))
        metrics += [
            (f"reconnect_gap_{kind}_ms_p50", percentile(outside, 50), "ms"),
            (f"reconnect_gap_{kind}_ms_p99", percentile(outside, 99), "ms"),
            (f"reconnect_gap_{kind}_policy_ms_p50", percentile(inside, 50), "ms"),
            (f"reconnect_gap_{kind}_policy_ms_p99", percentile(inside, 99), "ms"),
        ]
    delay = _env_float("GLD_BENCH_SERVER_DELAY_MS", 150.0)
    outside, _ = asyncio.run(_gaps("drop", max(5, cycles // 3), server_delay_ms=delay))
    metrics += [
        (f"reconnect_gap_drop_ms_p50_server_delay_{delay:g}ms", percentile(outside, 50), "ms"),
        (f"reconnect_gap_drop_ms_p99_server_delay_{delay:g}ms", percentile(outside, 99), "ms"),
    ]
    return metrics


# --- soak -----------------------------------------------------------------------------------------


class Resources(NamedTuple):
    """What this process holds at one moment: resident memory, open descriptors, asyncio tasks."""

    rss_mb: float = 0.0
    fds: int = 0
    tasks: int = 0


def resources_now() -> Resources:
    """A snapshot of this process; call it on the running loop (it counts that loop's tasks)."""
    return Resources(proc_rss_mb("self"), _open_fds(), len(asyncio.all_tasks()))


@dataclass(slots=True)
class Lost:
    """Utterances lost, counted the three ways of the module docstring; ``total`` must be 0."""

    no_reply: int = 0
    short_replies: int = 0
    broken_transcripts: int = 0

    @property
    def total(self) -> int:
        return self.no_reply + self.short_replies + self.broken_transcripts


@dataclass(slots=True)
class Drops:
    """TCP streams cut by the soak, and what was under way when they were."""

    injected: int = 0
    mid_utterance: int = 0
    mid_reply: int = 0


@dataclass(frozen=True, slots=True)
class Reconnects:
    """What the resilient session reports about its reconnects (copied when the soak ends)."""

    go_away: int = 0
    failure: int = 0
    fresh_sessions: int = 0
    gaps_ms: tuple[float, ...] = ()
    audio_dropped_s: float = 0.0

    @classmethod
    def of(cls, stats: ResilienceStats) -> Reconnects:
        return cls(
            go_away=stats.go_away_reconnects,
            failure=stats.failure_reconnects,
            fresh_sessions=stats.fresh_sessions,
            gaps_ms=tuple(stats.gaps_ms),
            audio_dropped_s=stats.buffer.audio_dropped_s,
        )


@dataclass(slots=True)
class SoakResult:
    """The soak's counts; ``before`` is taken after the first turn (the rest is warm-up)."""

    simulated_s: float
    real_s: float = 0.0
    lost: Lost = field(default_factory=Lost)
    utterances: int = 0
    turns_completed: int = 0
    duplicate_replies: int = 0
    replies_repeated: int = 0
    drops: Drops = field(default_factory=Drops)
    reconnects: Reconnects = field(default_factory=Reconnects)
    before: Resources = field(default_factory=Resources)
    after: Resources = field(default_factory=Resources)


async def soak(simulated_s: float = 600.0, speedup: float = 8.0, seed: int = 1) -> SoakResult:
    """Run the soak described in the module docstring; returns the counts."""
    rng = random.Random(seed)
    config = EmulatorConfig(pace=speedup, go_away_after_s=60.0 / speedup, go_away_time_left_s=10.0 / speedup)
    real_budget = simulated_s / speedup
    durations = (1.0, 1.5, 2.0, 2.5)
    result = SoakResult(simulated_s=simulated_s)
    async with Emulator(config) as emu:
        connector = emulator_connector(emu, scaled_policy(speedup))
        async with connector.connect(SessionOptions()) as session:
            listener = Listener()
            mic = Mic(session, speed=speedup)
            tasks = [
                asyncio.create_task(listener.run(session), name="soak-listener"),
                asyncio.create_task(mic.run(), name="soak-mic"),
            ]

            async def drops() -> None:
                while True:
                    await asyncio.sleep(rng.uniform(45.0, 135.0) / speedup)  # the fault schedule itself
                    if result.drops.injected % 2:  # every other drop waits for a reply to be under way
                        listener.reply_started.clear()
                        await listener.reply_started.wait()
                    result.drops.mid_utterance += mic.speaking
                    result.drops.mid_reply += listener.mid_reply
                    emu.drop_connections()
                    result.drops.injected += 1

            tasks.append(asyncio.create_task(drops(), name="soak-drops"))

            started = time.perf_counter()
            try:
                await listener.wait(lambda: listener.handles >= 1, 10)
                first = True
                while time.perf_counter() - started < real_budget:
                    duration = durations[result.utterances % len(durations)]
                    replies_before = len(listener.replies)
                    sent = mic.say(speech_tone(duration), bytes(MIC_FORMAT.bytes_for_ms(800)))
                    result.utterances += 1
                    await sent.wait()
                    got = await listener.wait(lambda: len(listener.replies) > replies_before, 15.0)  # noqa: B023
                    if not got:
                        result.lost.no_reply += 1
                        continue
                    await listener.wait(lambda: False, 0.5 / speedup)  # the user pauses between turns
                    new = listener.replies[replies_before:]
                    full = [text for _, text in new if _REPLY.match(text)]
                    result.turns_completed += len(new)
                    result.lost.broken_transcripts += len(new) - len(full)
                    result.duplicate_replies += max(0, len(full) - 1)
                    heard = [float(m.group(1)) for m in (_REPLY.match(t) for t in full) if m]
                    if heard and max(heard) < duration - 0.3:
                        result.lost.short_replies += 1
                    if first:  # measure from here: imports, TLS and first-turn allocations are warm-up
                        first = False
                        result.before = resources_now()
                result.real_s = time.perf_counter() - started
                result.after = resources_now()
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            result.replies_repeated = listener.cut_replies
            result.reconnects = Reconnects.of(session.stats)
    return result


def _counts(prefix: str, record: Lost | Drops) -> list[Metric]:
    """One ``count`` metric per field of ``record``, named ``{prefix}_{field}``, in field order."""
    return [(f"{prefix}_{f.name}", getattr(record, f.name), "count") for f in fields(record)]


def bench_soak() -> list[Metric]:
    """The accelerated soak (see the module docstring); ``GLD_SOAK_SIMULATED_S``, ``GLD_SOAK_SPEEDUP``."""
    simulated = _env_float("GLD_SOAK_SIMULATED_S", 600.0)
    speedup = _env_float("GLD_SOAK_SPEEDUP", 8.0)
    r = asyncio.run(soak(simulated, speedup))
    gaps = r.reconnects.gaps_ms or (0.0,)
    return [
        ("soak_simulated_s", r.simulated_s, "s"),
        ("soak_real_s", r.real_s, "s"),
        ("soak_utterances_sent", r.utterances, "count"),
        ("soak_turns_completed", r.turns_completed, "count"),
        ("soak_lost_messages", r.lost.total, "count"),
        *_counts("soak_lost", r.lost),
        ("soak_duplicate_replies", r.duplicate_replies, "count"),
        ("soak_replies_repeated", r.replies_repeated, "count"),
        ("soak_reconnects_go_away", r.reconnects.go_away, "count"),
        ("soak_reconnects_failure", r.reconnects.failure, "count"),
        ("soak_fresh_sessions", r.reconnects.fresh_sessions, "count"),
        *_counts("soak_drops", r.drops),
        ("soak_reconnect_gap_ms_p50", percentile(gaps, 50), "ms"),
        ("soak_reconnect_gap_ms_p99", percentile(gaps, 99), "ms"),
        ("soak_mic_audio_dropped_s", r.reconnects.audio_dropped_s, "s"),
        ("soak_rss_before_mb", r.before.rss_mb, "MB"),
        ("soak_rss_growth_mb", r.after.rss_mb - r.before.rss_mb, "MB"),
        ("soak_open_fds_before", r.before.fds, "count"),
        ("soak_open_fds_after", r.after.fds, "count"),
        ("soak_asyncio_tasks_before", r.before.tasks, "count"),
        ("soak_asyncio_tasks_after", r.after.tasks, "count"),
    ]
