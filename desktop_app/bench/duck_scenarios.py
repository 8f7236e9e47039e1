"""Local barge-in on real PulseAudio: how fast the model's voice is ducked at the sink, and how often its
own echo ducks it when nobody talks.

Each ``bench_*`` returns ``[(metric, value, unit), ...]``. Needs ``pulseaudio``, ``pulseaudio-utils`` and
``espeak-ng``. The audio service runs as shipped (``open_real_audio``: echo cancellation and noise
suppression on, local barge-in on) on a private pair of null sinks (``glddk<pid>_…``). The echo path is
a parameter (:class:`EchoPath`): PulseAudio's module-loopback from the speaker sink's monitor into
the microphone sink, 60 ms late, at a gain, or the room-like path of :mod:`tests.support.room_path`.

Clocks. A ``parec`` recorder on each sink's monitor (:class:`TimedRecorder`) dates its samples on
``time.monotonic`` by when their chunks arrived: a sample was recorded no later than its chunk arrived, so
the earliest arrival minus the samples after it bounds each sample's time, within the delivery latency
both recorders share (``--latency-msec=10``); it cancels in a difference of the two.

* ``onset_to_ducked_at_sink_ms`` (p50, and p99 from ≥ 100 trials, else max): the user's speech onset
  **at the microphone sink** (the first 5 ms of the known clip above −40 dBFS, found in the recording by
  correlation) → the first 5 ms at the **speaker sink** ≥ 15 dB below the level the model played in the
  200 ms before. The model's voice is a steady vowel-like signal at −20 dBFS, so only a duck drops it;
  the user's clip is espeak-ng's "Actually, no." played with ``paplay``; the echo path is −10 dB (the
  user louder than the echo, a laptop at arm's length). ``duck_misses``: trials with no duck within 2 s.
* ``onset_to_duck_decided_ms``: the same onset → the detector's decision on the loop (the client's share
  before the speaker's buffers; what is left to the sink is the output path).
* ``false_ducks_per_reply_<path>`` and ``replies_falsely_ducked_<path>``: four espeak-ng replies (four
  voices), each played twice through the room-like echo path at 0 dB (as loud as played, open speakers)
  and at −10 dB, and through the bit-exact loopback at 0 dB, with nobody talking: every duck is false.
  The first reply meets a fresh canceller and an unlearned echo path, as a conversation's first reply does.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import soxr

from desktop_app.audio import devices
from desktop_app.audio.ducking import DuckState
from desktop_app.audio.playback import SpeakerPlayback
from desktop_app.config import Settings
from desktop_app.core.audio_format import MODEL_FORMAT, float_to_pcm16
from desktop_app.core.events import MicAudio, ModelAudio
from desktop_app.services.audio import AudioService, open_real_audio
from desktop_app.services.bus import Bus
from tests.support.pulse_rig import PulseRig, Recorder, ensure_daemon
from tests.support.room_path import RoomPath

__all__ = ["DuckRig", "EchoPath", "TimedRecorder", "bench_local_barge_in", "spoken", "steady_voice"]

Metric = tuple[str, float, str]
Samples = npt.NDArray[np.float32]

TRIALS = 100
FRAME_S = 0.005
DUCKED_DB = 15.0
REPLIES = (
    ("en-us", "Sure. The train leaves at seven fifteen from platform four, and the trip takes an hour."),
    ("en-gb", "Here is a summary of the article: three findings, two open questions and one warning."),
    ("en-us+f3", "I can help with that. First open the settings, then choose devices, then press test."),
    ("en-gb+m3", "The weather tomorrow looks dry in the morning, with rain arriving late in the evening."),
)
USER_CLIP = ("en-gb+f3", "Actually, no.")


@dataclass(frozen=True, slots=True)
class EchoPath:
    """How the speaker reaches the microphone; ``gain_db`` None: no echo at all. ``room``: through the
    room-like path of :mod:`tests.support.room_path` (reverb, soft clip, drift, noise), else PulseAudio's
    bit-exact ``module-loopback`` ``latency_ms`` late."""

    latency_ms: int = 60
    gain_db: float | None = 0.0
    room: bool = False

    def install(self, rig: PulseRig) -> Callable[[], None] | None:
        """Start the path; returns what removes it (None when there is none)."""
        if self.gain_db is None:
            return None
        if self.room:
            return rig.add_room_echo(RoomPath(gain_db=self.gain_db)).stop
        module = rig.add_loopback(latency_ms=self.latency_ms, gain_db=self.gain_db)
        return lambda: rig.unload(module)

    @property
    def label(self) -> str:
        if self.gain_db is None:
            return "none"
        return (
            f"room {self.gain_db:+.0f} dB"
            if self.room
            else f"loopback {self.latency_ms} ms {self.gain_db:+.0f} dB"
        )


class TimedRecorder(Recorder):
    """A :class:`Recorder` that also dates its samples on ``time.monotonic`` (module docstring)."""

    def __init__(self, device: str, rate: int = 48_000) -> None:
        self._origin = float("inf")  # the monotonic time of sample 0 (an upper bound, tightened)
        self._seen_frames = 0
        super().__init__(device, rate)

    def _read(self) -> None:
        # Watches the running total instead of reading the pipe itself: the base class owns the reader.
        reader = threading.Thread(target=super()._read, daemon=True)
        reader.start()
        while reader.is_alive() or self.frames != self._seen_frames:
            with self._cond:
                self._cond.wait_for(lambda: self.frames != self._seen_frames, 0.2)
            frames, now = self.frames, time.monotonic()
            if frames != self._seen_frames:
                self._seen_frames = frames
                self._origin = min(self._origin, now - frames / self.rate)

    def time_of(self, frame: float) -> float:
        return self._origin + frame / self.rate

    def frame_at(self, t: float) -> int:
        return max(0, round((t - self._origin) * self.rate))


def spoken(voice: str, text: str, rate: int) -> Samples:
    """``text`` spoken by espeak-ng, as mono float at ``rate``."""
    wav = subprocess.run(["espeak-ng", "-v", voice, "--stdout", text], capture_output=True, check=True).stdout
    pcm = np.frombuffer(wav[44:], "<i2").astype(np.float32) / 32768.0  # espeak writes a 44-byte header
    out: Samples = soxr.resample(pcm, 22_050, rate).astype(np.float32)
    return out


def steady_voice(seconds: float, level_dbfs: float = -20.0, rate: int = MODEL_FORMAT.rate) -> Samples:
    """A vowel-like harmonic signal at a constant level (only a duck makes it quieter)."""
    t = np.arange(int(seconds * rate)) / rate
    x = sum(np.sin(2 * np.pi * 150.0 * k * t) / k for k in range(1, 8))
    out: Samples = (x / np.sqrt(np.mean(x**2)) * 10 ** (level_dbfs / 20)).astype(np.float32)
    return out


def levels_db(x: Samples, rate: int) -> Samples:
    """The level of each 5 ms frame, in dBFS."""
    n = int(rate * FRAME_S)
    frames = x[: len(x) // n * n].astype(np.float64).reshape(-1, n)
    out: Samples = (10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)).astype(np.float32)
    return out


async def _ignore(_block: MicAudio) -> None:
    pass


class DuckRig:
    """The audio service as shipped on a private pair of sinks, with recorders on both monitors and an
    echo path. ``async with DuckRig(rig, settings, echo) as d:`` then :meth:`play` and
    :meth:`user_says`. Call on the loop thread."""

    def __init__(self, rig: PulseRig, settings: Settings, echo: EchoPath) -> None:
        self.rig, self.settings, self.echo = rig, settings, echo
        self.service = AudioService(settings, Bus(lambda _e: None), open_real_audio, _ignore)
        self._remove_echo: Callable[[], None] | None = None
        self.speaker_rec: TimedRecorder | None = None
        self.mic_rec: TimedRecorder | None = None

    async def __aenter__(self) -> DuckRig:
        with self.rig.route():
            await self.service.start()
        audio = self.service.audio
        if audio is None or not await audio.wait_ready(15):
            raise RuntimeError("the devices did not start")
        self._remove_echo = self.echo.install(self.rig)
        self.speaker_rec = TimedRecorder(self.rig.speaker_monitor, self.rig.rate)
        self.mic_rec = TimedRecorder(self.rig.mic_source, self.rig.rate)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        for rec in (self.speaker_rec, self.mic_rec):
            if rec is not None:
                rec.stop()
        if self._remove_echo is not None:
            self._remove_echo()
        await self.service.stop()

    @property
    def sink(self) -> SpeakerPlayback:
        sink = self.service.sink
        if not isinstance(sink, SpeakerPlayback):
            raise RuntimeError("no speaker")
        return sink

    def play(self, samples: Samples, rate: int = MODEL_FORMAT.rate) -> None:
        """Queue a reply as the session would, in 40 ms chunks."""
        pcm, step = float_to_pcm16(samples), rate * 2 * 40 // 1000
        for i in range(0, len(pcm), step):
            self.sink.play(ModelAudio(pcm[i : i + step]))

    async def until(self, check: Callable[[], bool], timeout: float) -> None:
        """Wait (woken by each speaker block) until ``check()``."""
        await self.sink.wait_for(check, timeout)

    def user_says(self, wav: str) -> subprocess.Popen[bytes]:
        return self.rig.play_into_mic(wav)


def _onset_in(recorded: Samples, clip: Samples, rate: int) -> int | None:
    """The frame index in ``recorded`` where ``clip``'s onset (first 5 ms above −40 dBFS) lies."""
    n = int(rate * FRAME_S)
    rec_env, clip_env = levels_db(recorded, rate), levels_db(clip, rate)
    voiced = np.flatnonzero(clip_env > -40.0)
    if len(voiced) == 0 or len(rec_env) < len(clip_env):
        return None
    a, b = np.power(10, rec_env / 20), np.power(10, clip_env / 20)
    scores = np.correlate(a - a.mean(), b - b.mean(), mode="valid")
    lag = int(np.argmax(scores))
    return (lag + int(voiced[0])) * n


async def _latency_trials(d: DuckRig, trials: int, clip_path: str, clip: Samples) -> list[Metric]:
    assert d.speaker_rec is not None and d.mic_rec is not None
    rate = d.rig.rate
    policy = d.service.barge_in.policy
    voice = steady_voice(2.4)
    marks: list[tuple[float, float | None]] = []  # (just before paplay, the detector's decision)
    for _ in range(trials):
        d.sink.interrupt()  # the previous trial's rest
        await d.until(lambda: policy.state is DuckState.IDLE and d.service.barge_in.gain_settled, 3.0)
        d.play(voice)
        steady_from = time.monotonic() + 0.5  # a steady level before the onset
        await d.until(lambda t=steady_from: time.monotonic() > t, 3.0)  # type: ignore[misc]
        ducks, before = policy.ducks, time.monotonic()
        player = d.user_says(clip_path)
        try:
            await d.until(lambda n=ducks: policy.ducks > n, 2.0)  # type: ignore[misc]
            marks.append((before, d.service.barge_in.last_duck_at))
        except TimeoutError:
            marks.append((before, None))
        await asyncio.to_thread(player.wait, 10)
    await asyncio.to_thread(d.speaker_rec.wait_frames, d.speaker_rec.frames + rate // 5, 5)
    spk, mic = d.speaker_rec.samples(), d.mic_rec.samples()
    at_sink: list[float] = []
    decided: list[float] = []
    misses = 0
    for before, decided_at in marks:
        lo = d.mic_rec.frame_at(before - 0.05)
        found = _onset_in(mic[lo : lo + int(rate * 2.5)], clip, rate)
        if found is None:
            misses += 1
            continue
        onset = d.mic_rec.time_of(lo + found)
        s0 = d.speaker_rec.frame_at(onset)
        env = levels_db(spk[s0 - rate // 5 : s0 + rate // 2], rate)
        steady = float(np.median(env[: int(0.2 / FRAME_S)]))
        after = np.flatnonzero(env[int(0.2 / FRAME_S) :] <= steady - DUCKED_DB)
        if decided_at is None or len(after) == 0:
            misses += 1
            continue
        at_sink.append(after[0] * FRAME_S * 1000)
        decided.append((decided_at - onset) * 1000)
    return [
        *_summary("onset_to_ducked_at_sink", at_sink),
        *_summary("onset_to_duck_decided", decided),
        ("duck_trials", float(len(marks)), "count"),
        ("duck_misses", float(misses), "count"),
    ]


def _summary(name: str, values: list[float]) -> list[Metric]:
    if not values:
        return [(f"{name}_ms_p50", float("nan"), "ms")]
    tail = "p99" if len(values) >= 100 else "max"
    top = float(np.percentile(values, 99)) if tail == "p99" else max(values)
    return [(f"{name}_ms_p50", statistics.median(values), "ms"), (f"{name}_ms_{tail}", top, "ms")]


async def false_ducks(d: DuckRig, replies: list[Samples]) -> list[int]:
    """Play each reply through the echo path with nobody talking; the ducks each one caused."""
    policy = d.service.barge_in.policy
    counts = []
    for reply in replies:
        before = policy.ducks
        d.play(reply)
        await asyncio.wait_for(d.sink.drain(), len(reply) / MODEL_FORMAT.rate + 10)
        counts.append(policy.ducks - before)
    return counts


async def _scenario(
    trials: int, latency_path: EchoPath, quiet_paths: tuple[EchoPath, ...], user: tuple[str, Samples]
) -> list[Metric]:
    rig = PulseRig(f"glddk{os.getpid()}")
    rig.setup()
    replies = [spoken(v, t, MODEL_FORMAT.rate) for v, t in REPLIES]
    out: list[Metric] = []
    try:
        for path in quiet_paths:
            async with DuckRig(rig, Settings(), path) as d:
                counts = await false_ducks(d, replies + replies)
            tag = f"{'room' if path.room else 'loopback'}_echo_{path.gain_db:+.0f}dB".replace(
                "+", "p"
            ).replace("-", "m")
            out += [
                (f"false_ducks_per_reply_{tag}", sum(counts) / len(counts), "ducks"),
                (f"replies_falsely_ducked_{tag}", sum(c > 0 for c in counts) / len(counts) * 100, "%"),
                (f"replies_{tag}", float(len(counts)), "count"),
            ]
        async with DuckRig(rig, Settings(), latency_path) as d:
            await false_ducks(d, replies[:1])  # the canceller and the echo path gain learned, as in a talk
            out = await _latency_trials(d, trials, *user) + out
    finally:
        rig.teardown()
    return out


def bench_local_barge_in() -> list[Metric]:
    """Measured as the module docstring says (about four minutes)."""
    ensure_daemon()
    devices.rescan()
    clip_path = f"/tmp/glddk{os.getpid()}_user.wav"
    subprocess.run(["espeak-ng", "-v", USER_CLIP[0], "-w", clip_path, USER_CLIP[1]], check=True)
    try:
        clip = spoken(*USER_CLIP, 48_000)
        paths = (EchoPath(gain_db=0.0, room=True), EchoPath(gain_db=-10.0, room=True), EchoPath(gain_db=0.0))
        return asyncio.run(_scenario(TRIALS, EchoPath(gain_db=-10.0), paths, (clip_path, clip)))
    finally:
        os.unlink(clip_path)
