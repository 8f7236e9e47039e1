"""One window per user: the lock that decides which launch runs, and the client that talks to the one running.

No Qt here: the CLI imports this module for ``--toggle-mute``, ``--push-to-talk start|stop``, ``--show`` and
``--quit`` and must stay fast. The server side is :mod:`desktop_app.ui.instance_server` (QLocalServer on the
same socket path). Typical use::

    lock = InstanceLock.acquire()          # before anything binds a port or opens a device
    if lock is None:                       # another window runs: hand it the launch and exit
        reply = send_command("show")
        ...

The protocol is one line each way: the client sends a command (:data:`COMMANDS`), the server answers
``ok`` or ``error: <sentence>``. The directory is per user (``$XDG_RUNTIME_DIR/gemini-live-desktop``, else a
mode-0700 directory under the temp directory), so two users never see each other's window.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import socket
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "COMMANDS",
    "InstanceLock",
    "NoInstanceError",
    "instance_dir",
    "send_command",
    "socket_path",
]

COMMANDS = frozenset({"show", "quit", "toggle-mute", "push-to-talk start", "push-to-talk stop"})
"""Everything the running window accepts; ``show`` is also what a plain second launch sends."""

_APP = "gemini-live-desktop"
_SOCKET = "instance.sock"
_MAX_SOCKET_PATH = 100


class NoInstanceError(OSError):
    """No window is running for this user (or it did not answer in time)."""


def instance_dir(env: Mapping[str, str] | None = None) -> Path:
    """The per-user directory of the lock and the socket (created mode 0700 when missing).

    A separate configuration directory (``GLD_CONFIG_DIR``) is a separate profile with its own instance, so
    test windows with private configurations never hand over to each other or to the user's window.
    """
    env = os.environ if env is None else env
    name = _APP
    profile = env.get("GLD_CONFIG_DIR")
    if profile:
        name += "-" + _digest(os.path.abspath(profile))
    runtime = env.get("XDG_RUNTIME_DIR", "")
    base = Path(runtime) / name if runtime and os.path.isdir(runtime) else None
    if base is None:
        base = Path(tempfile.gettempdir()) / f"{name}-{os.getuid()}"
    if len(str(base / _SOCKET)) > _MAX_SOCKET_PATH:  # AF_UNIX paths hold ~107 bytes: a short stand-in
        base = Path(tempfile.gettempdir()) / f"gld-{os.getuid()}-{_digest(str(base))}"
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    return base


def socket_path(env: Mapping[str, str] | None = None) -> Path:
    """Where the running window listens (the QLocalServer's full name)."""
    return instance_dir(env) / _SOCKET


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class InstanceLock:
    """An exclusive ``flock`` held for the life of the process: whoever holds it is the one window.

    The kernel releases it when the process exits, however it exits, so a crash leaves no stale lock (a
    stale socket file is removed by the next holder before it listens).
    """

    path: Path
    _fd: int

    @classmethod
    def acquire(cls, env: Mapping[str, str] | None = None) -> InstanceLock | None:
        """The lock, or None when another process holds it. Keep the returned object alive."""
        path = instance_dir(env) / "instance.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return cls(path, fd)

    def release(self) -> None:
        """Give the lock up (the process exiting does the same)."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1


def send_command(
    command: str, *, env: Mapping[str, str] | None = None, timeout_s: float = 5.0, wait_s: float = 0.0
) -> str:
    """Send ``command`` to the running window; returns its answer (``"ok"`` or ``"error: …"``).

    ``wait_s`` keeps trying to connect that long: a second launch that lost the lock race waits for the
    winner to start listening. Raises :class:`NoInstanceError` when nobody answers.
    """
    if command not in COMMANDS:
        raise ValueError(f"unknown instance command {command!r}")
    path = str(socket_path(env))
    deadline = time.monotonic() + wait_s
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout_s)
        try:
            sock.connect(path)
            break
        except OSError as err:
            sock.close()
            if time.monotonic() >= deadline:
                raise NoInstanceError(f"no Gemini Live window is running ({err.strerror or err})") from None
            time.sleep(0.05)  # the other launch holds the lock and is about to listen: retry its socket
    with sock:
        try:
            sock.sendall(command.encode() + b"\n")
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = sock.recv(1024)
                if not chunk:
                    break
                reply += chunk
        except OSError as err:
            raise NoInstanceError(f"the running window did not answer ({err})") from None
    answer = reply.decode(errors="replace").strip()
    if not answer:
        raise NoInstanceError("the running window closed the connection without answering")
    return answer
