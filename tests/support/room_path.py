"""A room-like acoustic echo path: what a laptop's speaker sounds like by the time it reaches its microphone.

PulseAudio's ``module-loopback`` copies the speaker into the microphone bit-exactly, one clock, no noise:
an echo canceller meets its 16-bit quantisation floor there (70 dB "ERLE"), which says nothing about a room.
This path adds what a room and two devices add, in the order sound meets them:

1. **loudspeaker non-linearity**: a soft clip, ``tanh(drive·x)/drive``; ``drive`` 1.5 distorts a −6 dBFS
   peak by about 1 %, as a small speaker driven hard does;
2. **the room**: a reverberant impulse response of a shoebox room (image-source method, pyroomacoustics),
   4 × 3.5 × 2.7 m, RT60 0.35 s, the microphone 36 cm from the speaker, as on a laptop; normalised to unit
   energy so ``gain_db`` sets the echo's level relative to what was played;
3. **two clocks**: the microphone's sample clock runs ``drift_ppm`` faster than the speaker's (consumer
   devices differ by tens of ppm), so the echo's delay slides by that much over time (a streaming resampler);
4. **the microphone's noise floor**: white noise at ``noise_dbfs`` (−55 dBFS), present with or without echo.

:class:`RoomEchoProcessor` is the pure streaming DSP; run as ``python -m tests.support.room_path`` it
filters ``parec`` of the speaker's monitor into ``pacat`` to the microphone sink
(:meth:`tests.support.pulse_rig.PulseRig.add_room_echo`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soxr

__all__ = ["RoomEcho", "RoomEchoProcessor", "RoomPath", "room_impulse_response"]

Float32Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class RoomPath:
    """The echo path's parameters (module docstring). ``seed`` makes the noise repeatable."""

    gain_db: float = 0.0
    rt60_s: float = 0.35
    noise_dbfs: float = -55.0
    drive: float = 1.5
    drift_ppm: float = 80.0
    seed: int = 0
    rate: int = 16_000

    def args(self) -> list[str]:
        """The command-line arguments that give this path to ``python -m tests.support.room_path``."""
        return [
            f"--gain-db={self.gain_db}",
            f"--rt60={self.rt60_s}",
            f"--noise-dbfs={self.noise_dbfs}",
            f"--drive={self.drive}",
            f"--drift-ppm={self.drift_ppm}",
            f"--seed={self.seed}",
            f"--rate={self.rate}",
        ]

    def describe(self) -> str:
        return (
            f"room echo: RT60 {self.rt60_s:.2f} s, echo {self.gain_db:+.0f} dB, "
            f"noise {self.noise_dbfs:.0f} dBFS, "
            f"soft clip drive {self.drive}, mic clock {self.drift_ppm:+.0f} ppm"
        )


def room_impulse_response(rate: int, rt60_s: float) -> Float32Array:
    """The shoebox room's impulse response from speaker to microphone at ``rate``, unit energy."""
    import pyroomacoustics as pra  # imported here: it takes about a second, and only this path needs it

    dims = [4.0, 3.5, 2.7]
    absorption, max_order = pra.inverse_sabine(rt60_s, dims)
    room = pra.ShoeBox(dims, fs=rate, materials=pra.Material(absorption), max_order=min(max_order, 20))
    room.add_source([2.0, 1.5, 0.9])  # the laptop's speaker, on a desk
    room.add_microphone([2.3, 1.7, 1.0])  # its microphone, 36 cm away at the top of the screen
    room.compute_rir()
    h = np.asarray(room.rir[0][0], dtype=np.float64)
    unit: Float32Array = (h / np.sqrt(np.sum(h**2))).astype(np.float32)
    return unit


class RoomEchoProcessor:
    """Streams audio through the path of :class:`RoomPath`; :meth:`process` takes and returns any length.

    The convolution is overlap-add by FFT on fixed blocks; the output lags the input by less than one block
    (10 ms) plus the resampler's own delay. Not thread-safe: one caller.
    """

    def __init__(self, path: RoomPath, ir: Float32Array | None = None, block: int | None = None) -> None:
        self.path = path
        self._h = room_impulse_response(path.rate, path.rt60_s) if ir is None else ir.astype(np.float32)
        self._block = block or path.rate // 100
        self._nfft = 1 << int(np.ceil(np.log2(self._block + len(self._h) - 1)))
        self._H = np.fft.rfft(self._h, self._nfft)
        self._tail = np.zeros(self._nfft - self._block, np.float64)
        self._pending = np.zeros(0, np.float32)
        self._gain = 10 ** (path.gain_db / 20)
        self._noise_rms = 10 ** (path.noise_dbfs / 20)
        self._rng = np.random.default_rng(path.seed)
        self._resampler = soxr.ResampleStream(
            path.rate, path.rate * (1 + path.drift_ppm * 1e-6), 1, dtype="float32", quality="HQ"
        )

    def process(self, x: Float32Array) -> Float32Array:
        """The echo of ``x`` as the microphone hears it (float32 mono at ``path.rate``)."""
        buf = np.concatenate([self._pending, x.astype(np.float32, copy=False)])
        n_blocks = len(buf) // self._block
        self._pending = buf[n_blocks * self._block :]
        out = np.empty(n_blocks * self._block, np.float32)
        drive = self.path.drive
        for i in range(n_blocks):
            seg = buf[i * self._block : (i + 1) * self._block].astype(np.float64)
            if drive > 0:
                seg = np.tanh(drive * seg) / drive
            y = np.fft.irfft(np.fft.rfft(seg, self._nfft) * self._H, self._nfft)
            y[: len(self._tail)] += self._tail
            out[i * self._block : (i + 1) * self._block] = y[: self._block] * self._gain
            self._tail = y[self._block :].copy()
        drifted = self._resampler.resample_chunk(out)
        noise = self._rng.standard_normal(len(drifted)).astype(np.float32) * self._noise_rms
        heard: Float32Array = np.clip(drifted + noise, -1.0, 1.0).astype(np.float32)
        return heard


class RoomEcho:
    """A running echo path from PulseAudio source ``source`` into sink ``sink``; the caller must stop it.

    One process (this module's :func:`main`) builds the room, then starts ``parec`` of ``source`` and
    ``pacat`` into ``sink`` and filters between them, so no audio queues up while the room is being built
    (a backlog there would delay the echo by seconds). The constructor returns once the path is live. Each
    pipe asks PulseAudio for 10 ms of latency: the echo arrives some 40–60 ms after it was played, as on a
    laptop whose sound goes through a sound server.
    """

    def __init__(self, source: str, sink: str, path: RoomPath, ready_timeout_s: float = 30.0) -> None:
        self.path = path
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.room_path",
                f"--source={source}",
                f"--sink={sink}",
                *path.args(),
            ],
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], ready_timeout_s)
        line = self._proc.stdout.readline() if ready else b""
        if line.strip() != b"ready":
            self.stop()
            raise RuntimeError(f"the room echo path did not start within {ready_timeout_s:.0f} s")

    def running(self) -> bool:
        return self._proc.poll() is None

    def stop(self) -> None:
        """End the path (its ``parec`` and ``pacat`` end with it)."""
        self._proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(5)
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def __enter__(self) -> RoomEcho:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _pulse_pipes(
    source: str, sink: str, rate: int
) -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]:
    fmt = ["--format=float32le", f"--rate={rate}", "--channels=1", "--latency-msec=10", "--raw"]
    rec = subprocess.Popen(
        ["parec", f"--device={source}", *fmt], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    play = subprocess.Popen(
        ["pacat", "--playback", f"--device={sink}", *fmt], stdin=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    return rec, play


def main(argv: list[str] | None = None) -> int:
    """Build the room, start ``parec``/``pacat``, say ``ready`` on stdout, then filter until terminated."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gain-db", type=float, default=0.0)
    p.add_argument("--rt60", type=float, default=0.35)
    p.add_argument("--noise-dbfs", type=float, default=-55.0)
    p.add_argument("--drive", type=float, default=1.5)
    p.add_argument("--drift-ppm", type=float, default=80.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rate", type=int, default=16_000)
    p.add_argument("--source", required=True, help="the PulseAudio source to record (a speaker's monitor)")
    p.add_argument("--sink", required=True, help="the PulseAudio sink to play the echo into (the mic's sink)")
    a = p.parse_args(argv)
    path = RoomPath(a.gain_db, a.rt60, a.noise_dbfs, a.drive, a.drift_ppm, a.seed, a.rate)
    proc = RoomEchoProcessor(path)
    rec, play = _pulse_pipes(a.source, a.sink, path.rate)

    def end(*_: object) -> None:
        rec.terminate()
        play.terminate()
        sys.exit(0)

    signal.signal(signal.SIGTERM, end)
    assert rec.stdout is not None and play.stdin is not None
    stdin, stdout = rec.stdout.fileno(), play.stdin
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    chunk = path.rate // 100 * 4  # 10 ms of float32: read no more than is there, keep the latency low
    carry = b""
    while data := os.read(stdin, chunk):
        data = carry + data
        whole = len(data) // 4 * 4
        carry = data[whole:]
        y = proc.process(np.frombuffer(data[:whole], "<f4"))
        if len(y):
            stdout.write(y.astype("<f4").tobytes())
            stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
