"""The emulator in a process of its own, where Google's servers would be, for benchmarks of the whole
program.

A program under test reaches it as it would reach Gemini: ``--backend gemini`` with
:meth:`EmulatorProcess.env` (``GOOGLE_GEMINI_BASE_URL``, ``SSL_CERT_FILE`` and a placeholder key, read by the
google-genai SDK). Then the program's CPU figure holds the program alone, not the emulator's server-side
work, and :meth:`EmulatorProcess.cpu_seconds` tells that work apart.

Use as a context manager; the process is terminated (SIGTERM, then SIGKILL) on exit.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

from desktop_app.bench.processes import proc_cpu_seconds, stop_process
from desktop_app.emulator import client_env

__all__ = ["EmulatorProcess"]

_LISTENING = re.compile(rb"listening on wss://([\w.]+):(\d+)/")
_CA = re.compile(rb"CA certificate: (\S+)")


class EmulatorProcess:
    """``python -m desktop_app.emulator`` on a free loopback port, its CA written under ``cert_dir``."""

    def __init__(
        self,
        cert_dir: Path,
        pace: float = 1.0,
        start_timeout_s: float = 30.0,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        """``extra_args`` go to ``python -m desktop_app.emulator`` as they are (e.g. ``--timeline FILE``)."""
        self._argv = [
            sys.executable,
            "-m",
            "desktop_app.emulator",
            "--port",
            "0",
            "--pace",
            str(pace),
            "--cert-dir",
            str(cert_dir),
            *extra_args,
        ]
        self._start_timeout_s = start_timeout_s
        self.proc: subprocess.Popen[bytes] | None = None
        self.base_url = ""
        self.ca_file = ""
        self.output_tail: deque[bytes] = deque(maxlen=50)
        """The last lines it printed after its banner (read on a thread, so the pipe never fills)."""
        self._drainer: threading.Thread | None = None

    def start(self) -> EmulatorProcess:
        """Launch it and wait for its banner; raises RuntimeError with what it printed if it has none."""
        self.proc = subprocess.Popen(
            self._argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        printed = b""
        deadline = time.monotonic() + self._start_timeout_s
        while not (_LISTENING.search(printed) and _CA.search(printed)):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(0.0, left))
            chunk = os.read(fd, 4096) if ready else b""
            if not chunk:
                self.close()
                raise RuntimeError(f"the emulator did not start: {printed.decode(errors='replace')!r}")
            printed += chunk
        listening, ca = _LISTENING.search(printed), _CA.search(printed)
        assert listening is not None and ca is not None
        self.base_url = f"https://{listening[1].decode()}:{listening[2].decode()}"
        self.ca_file = ca[1].decode()
        self._drainer = threading.Thread(target=self._drain, name="emulator-output", daemon=True)
        self._drainer.start()
        return self

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output_tail.append(line)

    def env(self) -> dict[str, str]:
        """What a google-genai program needs to reach this emulator instead of Google."""
        return client_env(self.base_url, self.ca_file, "offline-emulator")

    def cpu_seconds(self) -> float:
        assert self.proc is not None, "start() first"
        return proc_cpu_seconds(self.proc.pid)

    def close(self) -> None:
        if self.proc is None:
            return
        stop_process(self.proc)
        if self._drainer is not None:
            self._drainer.join(5)  # it ends at the end of the output, which came with the exit
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> EmulatorProcess:
        return self.start() if self.proc is None else self

    def __exit__(self, *_exc: object) -> None:
        self.close()
