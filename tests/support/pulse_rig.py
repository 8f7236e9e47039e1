"""A virtual sound card made of PulseAudio null sinks, for device tests, benchmarks and speaker self-tests.

Requires the Debian packages ``pulseaudio`` and ``pulseaudio-utils`` (``pactl``, ``paplay``, ``parec``).

* :func:`ensure_daemon` starts the shared daemon of DESIGN.md §7 (null sinks ``speaker`` and ``micsink``,
  defaults set) if none answers; as root it warns and works.
* :class:`PulseRig` adds a *private* pair of null sinks to that daemon — ``<prefix>_spk`` (what the app
  plays; record its ``.monitor``) and ``<prefix>_mic`` (what the app hears; its ``.monitor`` is the mic) —
  so concurrent users of the shared ``speaker``/``micsink`` do not leak into a measurement.
  :meth:`PulseRig.route` points PortAudio's ``pulse``/``default`` devices at them through ``PULSE_SINK``
  and ``PULSE_SOURCE`` (read by the ALSA pulse plugin when a stream opens).
* :meth:`PulseRig.add_loopback` plays the speaker back into the microphone with a delay (a bit-exact echo
  path); :meth:`PulseRig.add_room_echo` plays it back through a room (:mod:`tests.support.room_path`).
* :class:`Recorder` records a monitor with ``parec`` on a reader thread.
* :class:`PrivateDaemon` runs a throwaway daemon that can be killed to make a stream fail.

PortAudio lists devices once: call :func:`desktop_app.audio.devices.rescan` after starting a daemon.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tests.support.room_path import RoomEcho, RoomPath

__all__ = ["PrivateDaemon", "PulseRig", "Recorder", "daemon_running", "ensure_daemon"]

DESIGN_DAEMON_ARGS = (
    "pulseaudio",
    "-D",
    "--exit-idle-time=-1",
    "-n",
    "--load=module-native-protocol-unix",
    "--load=module-null-sink sink_name=speaker",
    "--load=module-null-sink sink_name=micsink",
    "--load=module-always-sink",
)


def _pactl(*args: str, env: Mapping[str, str] | None = None, check: bool = True) -> str:
    proc = subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=10, env=env, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError(f"pactl {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout


def daemon_running(env: Mapping[str, str] | None = None) -> bool:
    try:
        return (
            subprocess.run(["pactl", "info"], capture_output=True, timeout=5, env=env, check=False).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def ensure_daemon(timeout_s: float = 10.0) -> bool:
    """Start the shared daemon (DESIGN.md §7) unless one answers. Returns True if this call started it."""
    if daemon_running():
        return False
    if shutil.which("pulseaudio") is None:
        raise RuntimeError("pulseaudio is not installed (apt-get install pulseaudio pulseaudio-utils)")
    subprocess.run(list(DESIGN_DAEMON_ARGS), capture_output=True, timeout=timeout_s, check=False)
    deadline = time.monotonic() + timeout_s
    while not daemon_running():
        if time.monotonic() > deadline:
            raise RuntimeError("the PulseAudio daemon did not start")
        time.sleep(0.05)  # polling an external daemon's socket; there is nothing to await
    _pactl("set-default-source", "micsink.monitor", check=False)
    _pactl("set-default-sink", "speaker", check=False)
    return True


class Recorder:
    """Records a PulseAudio source (e.g. ``X_spk.monitor``) as mono float32 with ``parec``.

    :attr:`reads` holds ``(time.monotonic(), frames so far)`` after each read, to date the samples
    (``desktop_app.bench.onsets.ArrivalClock``); ``latency_msec`` is parec's fragment.
    """

    def __init__(
        self, device: str, rate: int = 48_000, env: Mapping[str, str] | None = None, latency_msec: int = 10
    ) -> None:
        self.device = device
        self.rate = rate
        self.reads: list[tuple[float, int]] = []
        self._chunks: list[bytes] = []
        self._nbytes = 0
        self._cond = threading.Condition()
        self._proc = subprocess.Popen(
            [
                "parec",
                f"--device={device}",
                "--format=float32le",
                f"--rate={rate}",
                "--channels=1",
                f"--latency-msec={latency_msec}",
                "--raw",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
        )
        self._thread = threading.Thread(target=self._read, name=f"parec-{device}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        while True:
            data = os.read(self._proc.stdout.fileno(), 65536)
            if not data:
                break
            read_at = time.monotonic()
            with self._cond:
                self._chunks.append(data)
                self._nbytes += len(data)
                self.reads.append((read_at, self._nbytes // 4))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def frames(self) -> int:
        return self._nbytes // 4

    def wait_frames(self, frames: int, timeout: float) -> None:
        """Block until at least ``frames`` have been recorded in total (TimeoutError otherwise)."""
        with self._cond:
            if not self._cond.wait_for(
                lambda: self._nbytes // 4 >= frames or self._proc.poll() is not None, timeout
            ):
                raise TimeoutError(f"recorded {self._nbytes // 4} of {frames} frames")

    def samples(self) -> npt.NDArray[np.float32]:
        with self._cond:
            raw = b"".join(self._chunks)
        raw = raw[: len(raw) // 4 * 4]
        return np.frombuffer(raw, dtype="<f4").copy()

    def stop(self) -> npt.NDArray[np.float32]:
        self._proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(5)
        self._thread.join(5)
        return self.samples()


class PulseRig:
    """Private null sinks for one test session or benchmark (see the module docstring)."""

    def __init__(self, prefix: str, rate: int = 48_000) -> None:
        self.prefix = prefix
        self.speaker = f"{prefix}_spk"
        self.mic = f"{prefix}_mic"
        self.rate = rate
        self._modules: list[str] = []

    @property
    def speaker_monitor(self) -> str:
        return f"{self.speaker}.monitor"

    @property
    def mic_source(self) -> str:
        return f"{self.mic}.monitor"

    def setup(self) -> None:
        for name in (self.speaker, self.mic):
            self._load("module-null-sink", f"sink_name={name}", f"rate={self.rate}", "channels=1")

    def _load(self, *args: str) -> str:
        module = _pactl("load-module", *args).strip()
        self._modules.append(module)
        return module

    def load_sink(self, name: str, description: str | None = None) -> str:
        """Add a null sink ``name`` (a device that can be plugged in: its ``.monitor`` is a source too),
        shown to people as ``description`` (default: the server's "Null Output"; no spaces, since the
        module argument parser splits on them). Returns the module id: :meth:`unload` it to unplug the
        device. Prefix ``name`` with :attr:`prefix` so that concurrent test runs do not share it."""
        extra = [f"sink_properties=device.description={description}"] if description else []
        return self._load("module-null-sink", f"sink_name={name}", f"rate={self.rate}", "channels=1", *extra)

    @staticmethod
    def streams_on(name: str) -> int:
        """How many playback streams play into sink ``name``, or recording streams read source ``name``."""
        for what, column in (("sinks", "sink-inputs"), ("sources", "source-outputs")):
            index = next(
                (
                    ln.split("\t")[0]
                    for ln in _pactl("list", "short", what).splitlines()
                    if ln.split("\t")[1:2] == [name]
                ),
                None,
            )
            if index is not None:
                return sum(ln.split("\t")[1] == index for ln in _pactl("list", "short", column).splitlines())
        return 0

    def unload(self, module: str) -> None:
        if module in self._modules:
            self._modules.remove(module)
        _pactl("unload-module", module, check=False)

    def teardown(self) -> None:
        for module in reversed(self._modules):
            _pactl("unload-module", module, check=False)
        self._modules.clear()

    def route(self) -> contextlib.AbstractContextManager[None]:
        """Point PortAudio's pulse/default devices at this rig's sinks while the block runs."""
        return _environ(PULSE_SINK=self.speaker, PULSE_SOURCE=self.mic_source)

    def add_loopback(self, latency_ms: int = 60, gain_db: float = 0.0) -> str:
        """Feed the speaker's monitor back into the microphone sink (an acoustic echo path).

        ``gain_db`` sets the echo level relative to what is played (0 dB: as loud as played; a laptop at
        arm's length is more like -10 dB). Returns the module id for :meth:`unload`.
        """
        module = self._load(
            "module-loopback",
            f"source={self.speaker_monitor}",
            f"sink={self.mic}",
            f"latency_msec={latency_ms}",
            "source_dont_move=true",
            "sink_dont_move=true",
        )
        if gain_db != 0.0:
            inputs = json.loads(_pactl("--format=json", "list", "sink-inputs") or "[]")
            owned = [str(i["index"]) for i in inputs if str(i.get("owner_module")) == module]
            if not owned:
                raise RuntimeError(f"the loopback module {module} has no sink input")
            _pactl("set-sink-input-volume", owned[0], f"{gain_db:+.1f}dB")
        return module

    def add_room_echo(self, path: RoomPath | None = None) -> RoomEcho:
        """Feed the speaker's monitor back into the microphone sink through a room-like path (reverb, a
        speaker's soft clip, the mic's noise floor and its clock drift). Stop the returned handle."""
        return RoomEcho(self.speaker_monitor, self.mic, path or RoomPath())

    def play_into_mic(self, wav: Path | str) -> subprocess.Popen[bytes]:
        """Start ``paplay`` of ``wav`` into the microphone sink (returns the running process)."""
        return subprocess.Popen(
            ["paplay", f"--device={self.mic}", str(wav)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def record_speaker(self) -> Recorder:
        return Recorder(self.speaker_monitor, self.rate)


class PrivateDaemon:
    """A throwaway PulseAudio daemon on its own socket, with one null sink ``priv``; :meth:`kill` it to
    make every stream on it fail. Use :meth:`route` to point PortAudio streams opened inside at it.
    """

    def __init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="gld-pulse-")
        self.socket = os.path.join(self._dir, "native")
        self.env = dict(os.environ, PULSE_SERVER=f"unix:{self.socket}")
        self._proc = self._spawn()

    def restart(self) -> None:
        """Kill the daemon and start a new one on the same socket (a sound server that restarts)."""
        self._stop()
        self._proc = self._spawn()

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ, PULSE_RUNTIME_PATH=self._dir, PULSE_STATE_PATH=self._dir)
        env.pop("PULSE_SERVER", None)
        proc = subprocess.Popen(
            [
                "pulseaudio",
                "-n",
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--use-pid-file=no",
                f"--load=module-native-protocol-unix socket={self.socket} auth-anonymous=1",
                "--load=module-null-sink sink_name=priv rate=48000 channels=1",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not daemon_running(self.env):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                shutil.rmtree(self._dir, ignore_errors=True)
                raise RuntimeError("the private PulseAudio daemon did not start")
            time.sleep(0.05)  # polling an external daemon's socket; there is nothing to await
        return proc

    def route(self, *, pin: bool = True) -> contextlib.AbstractContextManager[None]:
        """Point PortAudio streams opened while the block runs at this daemon: at its ``priv`` sink, or with
        ``pin=False`` at whatever its default sink and source are when a stream opens."""
        if not pin:
            return _environ(PULSE_SERVER=f"unix:{self.socket}")
        return _environ(PULSE_SERVER=f"unix:{self.socket}", PULSE_SINK="priv", PULSE_SOURCE="priv.monitor")

    def pactl(self, *args: str) -> str:
        """Run ``pactl`` against this daemon; returns its output."""
        return _pactl(*args, env=self.env)

    def kill(self) -> None:
        self._stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait(5)


@contextlib.contextmanager
def _environ(**values: str) -> Iterator[None]:
    """Set environment variables while the block runs, then restore (or remove) them."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
