"""CPU of a live voice conversation: the program headless, against the simple reference client, in one run.

``bench_headless_cpu`` plays the same spoken sentence into a private PulseAudio microphone sink every
``SPEAK_EVERY_S`` seconds, so that each client streams its microphone, the emulator answers with the
sentence echoed back and each client plays it on its speaker sink. Three clients take turns on the same
rig, one at a time, ``GLD_BENCH_CPU_ROUNDS`` rounds (default 1) in the order ours with echo cancellation,
ours without it (``--headphones``), the reference (:mod:`.reference_client`):

- ours: ``python -m desktop_app --headless --backend gemini`` (the live mode with mic and speaker,
  ``GLD_CONFIG_DIR`` private, so default settings), reaching the emulator the way it reaches Gemini;
- the reference: the google-genai SDK as the cookbook uses it, 64 ms mic blocks, blocking writes to an
  8 ms output stream, no jitter buffer, no echo canceller.

The emulator runs in a process of its own (:mod:`.emulator_process`, ``--pace 1``: replies at real time),
shared by the three, and its CPU over each client's window is reported apart.

Clocks: each client is launched, then ``WARMUP_S`` (8 s) pass (imports, connect, the sound server's
start-up burst) before the window opens; the window lasts ``GLD_BENCH_CPU_S`` seconds (default 60) and
holds whole speak/answer cycles. CPU is ``utime + stime`` of the client's process (all threads) from
``/proc/PID/stat`` at the window's two ends, over the window's wall time, in CPU-seconds per minute. Per
thread (``/proc/PID/task/TID/stat`` with ``comm``; our threads name themselves, see
:mod:`desktop_app.runtime.thread_names`): ``cpu_<client>_thread_<name>`` for every thread that used at
least 0.05 CPU-s a minute; threads of one name are summed, the main thread is ``main``. Figures taken while
other work shares the machine are noisy: report them with the command, the sample count and the load.

Targets (issue 16): ours with echo cancellation ≤ 1.5 × the reference and ≤ 3.5 CPU-s a minute. Needs the
Debian packages ``pulseaudio``, ``pulseaudio-utils`` and ``espeak-ng``.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.bench.emulator_process import EmulatorProcess
from desktop_app.bench.processes import proc_cpu_seconds, stop_process
from desktop_app.bench.window_rig import ROOT, speech_wav

__all__ = ["CLIENTS", "ClientRun", "bench_headless_cpu", "thread_cpu_by_name"]

Metric = tuple[str, float, str]

WARMUP_S = 8.0
SPEAK_EVERY_S = 10.0
MIN_THREAD_CPU_PER_MIN = 0.05

# client name → argv after the interpreter
CLIENTS: dict[str, tuple[str, ...]] = {
    "ours_aec": ("-m", "desktop_app", "--headless", "--backend", "gemini"),
    "ours_no_aec": ("-m", "desktop_app", "--headless", "--backend", "gemini", "--headphones"),
    "reference": ("-m", "desktop_app.bench.reference_client"),
}


def thread_cpu_by_name(pid: int) -> dict[str, float]:
    """CPU seconds so far of each thread of ``pid``, keyed ``"<tid> <comm>"`` (the main thread's comm is
    ``main``). Threads that end meanwhile are missing."""
    out: dict[str, float] = {}
    clk = os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
            comm = "main" if task.name == str(pid) else (task / "comm").read_text().strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out[f"{task.name} {comm}"] = (int(fields[11]) + int(fields[12])) / clk
    return out


@dataclass
class ClientRun:
    """One client's measurement window: CPU-seconds per minute in all, per thread name, the emulator's."""

    name: str
    cpu_per_min: float = 0.0
    emulator_per_min: float = 0.0
    threads_per_min: dict[str, float] = field(default_factory=dict)
    summary: str = ""


def _measure_client(
    name: str,
    argv: Sequence[str],
    env: Mapping[str, str],
    rig: Any,
    speech: Path,
    emulator: EmulatorProcess,
    window_s: float,
    workdir: Path,
) -> ClientRun:
    out_path = workdir / f"{name}.out"
    duration = WARMUP_S + window_s + 5
    args = [sys.executable, *argv, "--duration", f"{duration:g}"]
    players: list[subprocess.Popen[bytes]] = []
    with out_path.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT)
    try:
        start = time.monotonic()
        while time.monotonic() < start + WARMUP_S:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited early: {out_path.read_text(errors='replace')[-800:]}")
            time.sleep(0.2)  # polling another process: there is nothing to await
        cpu0, emu0, threads0, wall0 = (
            proc_cpu_seconds(proc.pid),
            emulator.cpu_seconds(),
            thread_cpu_by_name(proc.pid),
            time.monotonic(),
        )
        next_speech = wall0
        while (now := time.monotonic()) < wall0 + window_s:
            if now >= next_speech:
                players.append(rig.play_into_mic(speech))
                next_speech += SPEAK_EVERY_S
            time.sleep(min(0.2, max(0.0, wall0 + window_s - now)))  # the window is wall-clock time
        cpu1, emu1, threads1, wall1 = (
            proc_cpu_seconds(proc.pid),
            emulator.cpu_seconds(),
            thread_cpu_by_name(proc.pid),
            time.monotonic(),
        )
        proc.wait(duration + 30)
    finally:
        stop_process(proc)
        for p in players:
            with contextlib.suppress(OSError):
                p.kill()
            p.wait(5)
    minutes = (wall1 - wall0) / 60
    per_thread: dict[str, float] = defaultdict(float)
    for key, cpu in threads1.items():
        per_thread[key.split(" ", 1)[1]] += (cpu - threads0.get(key, 0.0)) / minutes
    text = out_path.read_text(errors="replace")
    return ClientRun(
        name,
        (cpu1 - cpu0) / minutes,
        (emu1 - emu0) / minutes,
        dict(per_thread),
        text.strip().splitlines()[-1] if text.strip() else "",
    )


def bench_headless_cpu() -> list[Metric]:
    """CPU-seconds per minute of ours (AEC on, off) and the reference, per thread, the emulator apart."""
    from tests.support.pulse_rig import PulseRig, ensure_daemon

    window_s = float(os.environ.get("GLD_BENCH_CPU_S", "60"))
    rounds = int(os.environ.get("GLD_BENCH_CPU_ROUNDS", "1"))
    ensure_daemon()
    rig = PulseRig(f"gldcpu{os.getpid()}")
    rig.setup()
    runs: dict[str, list[ClientRun]] = defaultdict(list)
    try:
        with tempfile.TemporaryDirectory(prefix="gld-bench-cpu-") as tmp:
            work = Path(tmp)
            speech = speech_wav(work / "speech.wav")
            with EmulatorProcess(work / "emulator") as emulator:
                env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
                env.update(
                    emulator.env(),
                    PULSE_SINK=rig.speaker,
                    PULSE_SOURCE=rig.mic_source,
                    GLD_CONFIG_DIR=str(work / "config"),
                    PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
                    PYTHONUNBUFFERED="1",
                )
                for _ in range(rounds):
                    for name, argv in CLIENTS.items():
                        runs[name].append(
                            _measure_client(name, argv, env, rig, speech, emulator, window_s, work)
                        )
    finally:
        rig.teardown()
    return _metrics(runs, window_s)


def _metrics(runs: Mapping[str, list[ClientRun]], window_s: float) -> list[Metric]:
    metrics: list[Metric] = []
    for name, client_runs in runs.items():
        metrics.append(
            (f"cpu_{name}_s_per_min", statistics.median(r.cpu_per_min for r in client_runs), "CPU-s/min")
        )
        metrics.append(
            (
                f"cpu_{name}_emulator_s_per_min",
                statistics.median(r.emulator_per_min for r in client_runs),
                "CPU-s/min",
            )
        )
        names = {t for r in client_runs for t in r.threads_per_min}
        per_thread = {t: statistics.median(r.threads_per_min.get(t, 0.0) for r in client_runs) for t in names}
        for thread, value in sorted(per_thread.items(), key=lambda kv: -kv[1]):
            if value >= MIN_THREAD_CPU_PER_MIN:
                metrics.append((f"cpu_{name}_thread_{thread}", value, "CPU-s/min"))
        for r in client_runs:
            print(f"# {name}: {r.summary}", file=sys.stderr)
    reference = (
        statistics.median(r.cpu_per_min for r in runs.get("reference", [])) if runs.get("reference") else 0.0
    )
    ours = statistics.median(r.cpu_per_min for r in runs.get("ours_aec", [])) if runs.get("ours_aec") else 0.0
    if reference > 0:
        metrics.append(("cpu_ours_aec_over_reference", ours / reference, "ratio"))
    metrics.append(("cpu_window_s", window_s, "s"))
    metrics.append(("cpu_rounds", float(len(next(iter(runs.values()), []))), "runs per client"))
    return metrics
