"""Running the real program's window in a private X display: the rig shared by the window benchmarks and
``tests/e2e``.

- :class:`XvfbDisplay`: an Xvfb server on a display number of its own, with screenshots.
- :func:`write_demo_clip`: a synthetic camera as a video file; :func:`speech_wav`: a spoken sentence.
- :class:`WindowProcess`: ``python -m desktop_app`` in window mode as a subprocess, read through its state
  file (``GLD_TEST_STATE_FILE``).

Needs the Debian packages ``xvfb`` and ``espeak-ng``. Use each class as a context manager so that its
process is stopped on exit.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from desktop_app.bench.processes import proc_cpu_seconds, proc_rss_mb, proc_thread_cpu_seconds, stop_process

__all__ = ["BUILT_IN_EMULATOR", "SENTENCE", "WindowProcess", "XvfbDisplay", "speech_wav", "write_demo_clip"]

ROOT = Path(__file__).resolve().parents[2]
BUILT_IN_EMULATOR = ("--backend", "emulator")


# --- a private X display --------------------------------------------------------------------------


class XvfbDisplay:
    """An Xvfb server on a display number it picks itself (``-displayfd``); ``display`` is ``":N"``."""

    def __init__(self, width: int = 1600, height: int = 1000) -> None:
        xvfb = shutil.which("Xvfb")
        if xvfb is None:
            raise RuntimeError("Xvfb is not installed (apt-get install xvfb)")
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            [xvfb, "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        try:
            number = b""
            while not number.endswith(b"\n"):
                ready, _, _ = select.select([read_fd], [], [], 15.0)
                chunk = os.read(read_fd, 16) if ready else b""
                if not chunk:
                    self.close()
                    raise RuntimeError(f"Xvfb did not report a display (exit code {self.proc.poll()})")
                number += chunk
        finally:
            os.close(read_fd)
        self.display = f":{number.decode().strip()}"

    def close(self) -> None:
        stop_process(self.proc)

    def __enter__(self) -> XvfbDisplay:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def screenshot(self, box: Sequence[int], path: Path) -> npt.NDArray[np.uint8]:
        """Save the ``(left, top, width, height)`` part of the screen as PNG; returns it as BGR."""
        import mss

        factory = getattr(mss, "MSS", None) or mss.mss
        left, top, width, height = (int(v) for v in box)
        with factory(display=self.display) as sct:
            shot = sct.grab({"left": left, "top": top, "width": width, "height": height})
        bgr: npt.NDArray[np.uint8] = np.ascontiguousarray(np.asarray(shot, dtype=np.uint8)[..., :3])
        path.parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(path), bgr):
            raise OSError(f"could not write {path}")
        return bgr


# --- media -----------------------------------------------------------------------------------------


def write_demo_clip(
    path: Path, seconds: float, *, fps: float = 30.0, size: tuple[int, int] = (1280, 720)
) -> Path:
    """A synthetic camera as a video file: a soft gradient room, a lamp and a moving ball.

    Motion repeats every 10 s (those frames are drawn once and re-encoded), so long clips are cheap to
    write. Written with OpenCV's MJPG codec (an ``.avi``), which every OpenCV build reads back.
    """
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.empty((height, width, 3), np.float32)
    base[..., 0] = 150 + 70 * (y / height)  # blue rises towards the floor
    base[..., 1] = 95 + 45 * (x / width)
    base[..., 2] = 80 + 60 * (1 - y / height)
    room = np.clip(base, 0, 255).astype(np.uint8)
    cv2.rectangle(room, (0, int(height * 0.72)), (width, height), (70, 92, 120), -1)  # a desk
    box = ((int(width * 0.08), int(height * 0.46)), (int(width * 0.26), int(height * 0.72)))
    cv2.rectangle(room, box[0], box[1], (200, 150, 90), -1, cv2.LINE_AA)  # a box on the desk
    lamp = (int(width * 0.82), int(height * 0.2))
    cv2.circle(room, lamp, int(height * 0.07), (170, 235, 255), -1, cv2.LINE_AA)
    cycle = max(1, int(fps * 10))
    frames = []
    for i in range(cycle):
        t = i / fps
        frame = room.copy()
        cx = int(width * (0.5 + 0.25 * np.cos(2 * np.pi * t / 10)))
        cy = int(height * (0.5 + 0.12 * np.sin(4 * np.pi * t / 10)))
        cv2.circle(frame, (cx, cy), int(height * 0.09), (80, 190, 250), -1, cv2.LINE_AA)
        frames.append(frame)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write {path}")
    try:
        for i in range(int(seconds * fps)):
            writer.write(frames[i % cycle])
    finally:
        writer.release()
    return path


SENTENCE = "Hello Gemini. Can you see my camera? What colour is the ball?"


def speech_wav(path: Path, text: str = SENTENCE) -> Path:
    """A spoken sentence as a WAV (espeak-ng)."""
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(path), text], check=True, timeout=60)
    return path


# --- the program under test -------------------------------------------------------------------------


class WindowProcess:
    """``python -m desktop_app --backend emulator --relay-port 0 ARGS…`` in window mode on ``display``.

    The environment is the caller's minus any API key, with a private config directory, the state file,
    no system keyring (``keyring.backends.fail``), listening at launch and ``extra_env`` on top. Use as a
    context manager: the process is terminated (SIGTERM, then SIGKILL) on exit.
    """

    def __init__(
        self,
        display: str,
        workdir: Path,
        args: Sequence[str] = (),
        extra_env: Mapping[str, str] | None = None,
        backend: Sequence[str] = BUILT_IN_EMULATOR,
    ) -> None:
        self.workdir = workdir
        self.state_path = workdir / "window-state.json"
        self.log_path = workdir / "window.log"
        env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
        env.pop("QT_QPA_PLATFORM", None)
        env.update(
            DISPLAY=display,
            GLD_CONFIG_DIR=str(workdir / "config"),
            GLD_TEST_STATE_FILE=str(self.state_path),
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            PYTHONUNBUFFERED="1",
            GLD_LISTEN_AT_LAUNCH="1",  # streaming from launch, as measured (the window starts idle otherwise)
        )
        env.update(extra_env or {})
        self.env = env
        self.argv = [sys.executable, "-m", "desktop_app", *backend, "--relay-port", "0", *args]
        self.proc: subprocess.Popen[bytes] | None = None
        self.launched_at = 0.0

    def start(self) -> WindowProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.state_path.unlink(missing_ok=True)
        log = self.log_path.open("wb")
        self.launched_at = time.time()
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None, "start() first"
        return self.proc.pid

    def state(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        kept = [line for line in text.splitlines() if not line.startswith("ALSA lib")]
        return "\n".join(kept[-lines:])

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float, what: str
    ) -> dict[str, Any]:
        """The first state for which ``predicate`` holds; raises if the program exits or time runs out."""
        deadline = time.monotonic() + timeout
        last: dict[str, Any] | None = None
        while True:
            last = self.state() or last
            if last is not None and predicate(last):
                return last
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"the window exited ({self.proc.returncode}) before {what}:\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {what} within {timeout:.0f} s; last state {last}\n{self.log_tail()}")
            time.sleep(0.05)  # polling another process's file: there is nothing to await

    def terminate(self, timeout: float = 30.0) -> int:
        """Ask the window to close (SIGTERM, handled like closing it); returns the exit code."""
        if self.proc is None:
            return 0
        return stop_process(self.proc, timeout)

    def cpu_seconds(self) -> float:
        """User plus system CPU time of the process so far (Linux /proc)."""
        return proc_cpu_seconds(self.pid)

    def thread_cpu_seconds(self) -> dict[str, float]:
        """CPU seconds per thread id (Linux /proc); threads that ended meanwhile are missing."""
        return proc_thread_cpu_seconds(self.pid)

    def rss_mb(self) -> float:
        """Resident memory of the process now, in MB (Linux /proc)."""
        return proc_rss_mb(self.pid)

    def __enter__(self) -> WindowProcess:
        return self.start() if self.proc is None else self

    def __exit__(self, *_exc: object) -> None:
        self.terminate()
