"""Child processes of the benchmarks: stopping them, and reading their CPU time and memory from ``/proc``."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

__all__ = ["proc_cpu_seconds", "proc_rss_mb", "proc_thread_cpu_seconds", "stop_process"]

_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_cpu_seconds(stat: str) -> float:
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def proc_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far."""
    return _stat_cpu_seconds(Path(f"/proc/{pid}/stat").read_text())


def proc_thread_cpu_seconds(pid: int) -> dict[str, float]:
    """CPU seconds per thread id of process ``pid``; threads that ended meanwhile are missing."""
    out: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out[task.name] = _stat_cpu_seconds((task / "stat").read_text())
        except OSError:
            continue
    return out


def proc_rss_mb(pid: int | str) -> float:
    """Resident memory of process ``pid`` (or ``"self"``) now, in MB; RuntimeError if it reports none."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS line for process {pid}")


def stop_process(
    proc: subprocess.Popen[bytes], timeout: float = 10.0, sig: signal.Signals = signal.SIGTERM
) -> int:
    """Send ``sig`` unless it has exited, wait ``timeout`` seconds, then SIGKILL; returns the exit code."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    return proc.returncode
