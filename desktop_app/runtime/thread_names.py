"""Naming the operating system's view of a thread, so that ``/proc/PID/task/TID/comm`` (``top -H``,
``py-spy``, the CPU benchmarks' per-thread figures) tells our threads apart.

Python's ``threading.Thread(name=…)`` names the Python object only (before 3.14), and PortAudio's callback
threads are C threads that inherit the process's name. Call :func:`name_os_thread` once, from the thread
being named; later calls rename it. Linux only: elsewhere, or if ``prctl`` is missing, it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

__all__ = ["name_os_thread"]

_PR_SET_NAME = 15
_libc: ctypes.CDLL | None = None
if sys.platform.startswith("linux"):
    try:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        _libc = None


def name_os_thread(name: str) -> bool:
    """Give the calling thread ``name`` (cut to the kernel's 15 bytes). True if it took.

    Cheap (one system call) but not free: call it once per thread, not per callback."""
    if _libc is None:
        return False
    raw = name.encode("utf-8", "replace")[:15]
    return int(_libc.prctl(_PR_SET_NAME, ctypes.c_char_p(raw), 0, 0, 0)) == 0
