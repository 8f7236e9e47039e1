"""Window benchmarks: how fast the window appears, and what the streaming window costs in CPU and memory.

Both run the real program (``python -m desktop_app --backend emulator``, window mode) as a subprocess on a
private Xvfb display and read what it shows from its state file (``GLD_TEST_STATE_FILE``, written by the
window). The display, the synthetic camera and the process wrapper are in :mod:`.window_rig`, shared with
``tests/e2e``.

- ``window_start_ms``: process launch → window shown (its first show event has run), median of 5 cold
  launches, plus the slowest (target ≤ 2 s, DESIGN.md §8).
- ``desktop_cpu_percent`` / ``desktop_rss_mb`` / ``desktop_rss_growth_mb``: the window streaming a 1280×720
  30 fps camera clip and a PulseAudio microphone to the offline emulator, speaking a sentence every 15 s,
  for ``GLD_BENCH_STREAM_S`` seconds (default 60; set 600 for the 10-minute figure). CPU is the process's
  user+system time over wall time after a 10 s warm-up, in percent of one core (also split out for the
  Qt thread and the asyncio loop thread); RSS is the peak. Growth is the median of the last five
  one-second samples minus the median of five samples taken 60 s in (runs of 3 min or more; RSS climbs
  for the first minute or two while caches fill, then levels off), and ``…_from_start`` counts from the
  first samples. The emulator runs in a process of its own (:mod:`.emulator_process`), reached like Gemini
  (``--backend gemini``), so these figures hold the program alone; ``emulator_cpu_percent`` is the
  emulator's share, reported apart. ``desktop_cpu_thread_<name>_percent`` splits the program's CPU by the
  threads' OS names (``/proc/PID/task/TID/comm``; ``main`` is the Qt thread), every one above 0.1 %.
  ``GLD_BENCH_INPROCESS_EMULATOR=1`` measures the program with its own
  built-in emulator (``--backend emulator``) instead, whose work then shares the loop thread.

The window gets the keyboard focus (``xdotool windowfocus``; Xvfb has no window manager), as a user watching
it would have: it then previews at the focused rate. ``GLD_BENCH_WINDOW_FOCUS=0`` leaves it unfocused;
``desktop_window_focused`` says which was measured.

Needs the Debian packages ``xvfb``, ``xdotool``, ``pulseaudio``, ``pulseaudio-utils`` and ``espeak-ng``.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desktop_app.bench.cpu_scenarios import thread_cpu_by_name
from desktop_app.bench.emulator_process import EmulatorProcess
from desktop_app.bench.window_rig import (
    BUILT_IN_EMULATOR,
    WindowProcess,
    XvfbDisplay,
    speech_wav,
    write_demo_clip,
)
from desktop_app.core.stats import percentile

__all__ = ["bench_desktop_streaming", "bench_window_start"]

Metric = tuple[str, float, str]


def _live(state: dict[str, Any]) -> bool:
    return bool(state.get("shown")) and state.get("phase") == "live"


def _focus(display: str, pid: int) -> bool:
    """Give the window the keyboard focus, as a user looking at it would (Xvfb has no window manager to do
    it, and an unfocused window previews at a third of the rate). True if ``xdotool`` could."""
    env = {**os.environ, "DISPLAY": display}
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
        capture_output=True,
        text=True,
        env=env,
        timeout=10,
        check=False,
    )
    windows = found.stdout.split()
    if not windows:
        return False
    done = subprocess.run(["xdotool", "windowfocus", windows[-1]], env=env, timeout=10, check=False)
    return done.returncode == 0


# --- benchmarks ----------------------------------------------------------------------------------------


def bench_window_start() -> list[Metric]:
    """Launch → window shown, 5 launches (target ≤ 2000 ms)."""
    times = []
    with XvfbDisplay() as x, tempfile.TemporaryDirectory(prefix="gld-bench-start-") as tmp:
        for i in range(5):
            with WindowProcess(x.display, Path(tmp) / f"run{i}") as app:
                state = app.wait_for(lambda s: bool(s.get("shown")), 60, "window shown")
                times.append((float(state["shown_at"]) - app.launched_at) * 1000)
    return [
        ("window_start_ms", percentile(times, 50), "ms"),
        ("window_start_ms_max", max(times), "ms"),
    ]


def bench_desktop_streaming() -> list[Metric]:
    """The window streaming mic + camera to the emulator for GLD_BENCH_STREAM_S seconds (default 60)."""
    from tests.support.pulse_rig import PulseRig, ensure_daemon

    duration = float(os.environ.get("GLD_BENCH_STREAM_S", "60"))
    warmup = 10.0
    ensure_daemon()
    rig = PulseRig(f"gldwin{os.getpid()}")
    rig.setup()
    try:
        with XvfbDisplay() as x, tempfile.TemporaryDirectory(prefix="gld-bench-stream-") as tmp:
            work = Path(tmp)
            clip = write_demo_clip(work / "camera.avi", duration + warmup + 20)
            speech = speech_wav(work / "speech.wav")
            env = {"PULSE_SINK": rig.speaker, "PULSE_SOURCE": rig.mic_source}
            with contextlib.ExitStack() as stack:
                emulator: EmulatorProcess | None = None
                backend: Sequence[str] = BUILT_IN_EMULATOR
                if os.environ.get("GLD_BENCH_INPROCESS_EMULATOR") != "1":
                    emulator = stack.enter_context(EmulatorProcess(work / "emulator"))
                    env.update(emulator.env())
                    backend = ("--backend", "gemini")
                app = stack.enter_context(
                    WindowProcess(x.display, work / "app", ["--video", str(clip)], env, backend)
                )
                app.wait_for(
                    lambda s: _live(s) and s.get("frames_sent", 0) > 0, 60, "a live session with video"
                )
                focused = os.environ.get("GLD_BENCH_WINDOW_FOCUS", "1") == "1" and _focus(x.display, app.pid)
                return [
                    *_measure(app, rig, speech, warmup, duration, emulator),
                    ("desktop_window_focused", float(focused), "bool"),
                ]
    finally:
        rig.teardown()


def _measure(
    app: WindowProcess,
    rig: Any,
    speech: Path,
    warmup: float,
    duration: float,
    emulator: EmulatorProcess | None,
) -> list[Metric]:
    players: list[subprocess.Popen[bytes]] = []
    start = time.monotonic()
    next_speech = start
    cpu0 = wall0 = None
    emulator_cpu0 = 0.0
    threads0: dict[str, float] = {}
    by_name0: dict[str, float] = {}
    rss: list[float] = []
    try:
        while (now := time.monotonic()) < start + warmup + duration:
            if now >= next_speech:
                players.append(rig.play_into_mic(speech))
                next_speech += 15.0
            if cpu0 is None and now >= start + warmup:
                cpu0, wall0, threads0 = app.cpu_seconds(), now, app.thread_cpu_seconds()
                by_name0 = thread_cpu_by_name(app.pid)
                emulator_cpu0 = emulator.cpu_seconds() if emulator is not None else 0.0
            if cpu0 is not None:
                rss.append(app.rss_mb())
            time.sleep(1.0)  # the sampling interval of an external process: nothing to await
        assert cpu0 is not None and wall0 is not None
        elapsed = time.monotonic() - wall0
        cpu = (app.cpu_seconds() - cpu0) / elapsed * 100
        emulator_cpu = (emulator.cpu_seconds() - emulator_cpu0) / elapsed * 100 if emulator else None
        threads1 = app.thread_cpu_seconds()
        by_name1 = thread_cpu_by_name(app.pid)
    finally:
        for p in players:
            with contextlib.suppress(OSError):
                p.kill()
            p.wait(5)
    state = app.state() or {}
    turns = sum(1 for e in state.get("transcript", []) if e.get("kind") == "model")
    names: dict[str, str] = state.get("thread_ids", {})

    def thread_percent(name: str) -> float:
        ids = [tid for tid, n in names.items() if n == name]
        return sum(threads1.get(t, 0.0) - threads0.get(t, 0.0) for t in ids) / elapsed * 100

    # RSS climbs for the first minute or two while caches and allocator arenas fill, then levels off;
    # growth counts from the end of that (60 s in, for runs of 3 min or more) and, separately, from
    # the start of the measurement
    settled = 60 if duration >= 180 else 0
    growth = statistics.median(rss[-5:]) - statistics.median(rss[settled : settled + 5])
    growth_from_start = statistics.median(rss[-5:]) - statistics.median(rss[:5])
    # every thread by its OS name (ours name themselves; the main thread is the Qt thread), summed by name
    per_name: dict[str, float] = {}
    for key, spent in by_name1.items():
        name = key.split(" ", 1)[1]
        per_name[name] = per_name.get(name, 0.0) + (spent - by_name0.get(key, 0.0)) / elapsed * 100
    apart: list[Metric] = [
        (f"desktop_cpu_thread_{name}_percent", value, "% of one core")
        for name, value in sorted(per_name.items(), key=lambda kv: -kv[1])
        if value >= 0.1
    ]
    if emulator_cpu is not None:
        apart.append(("emulator_cpu_percent", emulator_cpu, "% of one core"))
    return [
        ("desktop_cpu_percent", cpu, "% of one core"),
        ("desktop_cpu_gui_thread_percent", thread_percent("MainThread"), "% of one core"),
        ("desktop_cpu_loop_thread_percent", thread_percent("asyncio-loop"), "% of one core"),
        ("desktop_rss_mb", max(rss), "MB"),
        ("desktop_rss_growth_mb", growth, "MB"),
        ("desktop_rss_growth_from_start_mb", growth_from_start, "MB"),
        ("desktop_stream_seconds", duration, "s"),
        ("desktop_stream_frames_sent", float(state.get("frames_sent", 0)), "frames"),
        ("desktop_stream_model_turns", float(turns), "turns"),
        ("desktop_stream_preview_frames", float(state.get("preview_frames_shown", 0)), "frames"),
        *apart,
    ]
