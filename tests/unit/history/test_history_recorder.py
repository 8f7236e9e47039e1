"""The two-channel recording: user left, model right, aligned by arrival, interruptions cut the model."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from desktop_app.core.audio_format import MIC_FORMAT, MODEL_FORMAT, float_to_pcm16
from desktop_app.core.clock import FakeClock
from desktop_app.core.events import Interrupted, MicAudio, ModelAudio
from desktop_app.history.recorder import TwoChannelRecorder
from tests.support.audio import read_stereo

RATE = 24_000


def tone(seconds: float, rate: int, freq: float = 440.0) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return float_to_pcm16(0.5 * np.sin(2 * np.pi * freq * t))


def rms(channel: npt.NDArray[np.float64], start_s: float, end_s: float) -> float:
    piece = channel[int(start_s * RATE) : int(end_s * RATE)]
    return float(np.sqrt(np.mean(piece**2))) if len(piece) else 0.0


def test_both_sides_land_on_their_channel_at_their_arrival_time(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "talk.wav"
    recorder = TwoChannelRecorder(path, clock)
    recorder.open()
    block = tone(0.02, MIC_FORMAT.rate)
    clock.advance(0.1)
    for _ in range(10):  # 0.2 s of microphone, arriving in real time from t = 0.12 s
        clock.advance(0.02)
        recorder(MicAudio(block))
    clock.advance(0.7)  # t = 1.0: the reply arrives in a burst, faster than real time
    recorder(ModelAudio(tone(0.5, MODEL_FORMAT.rate, 300)))
    recorder(ModelAudio(tone(0.5, MODEL_FORMAT.rate, 300)))
    clock.advance(0.2)  # t = 1.2: the user barges in; the rest of the burst was never heard
    recorder(Interrupted())
    clock.advance(0.8)
    recorder.close()
    user, model, frames = read_stereo(path, RATE)
    assert frames == 2 * RATE
    assert rms(user, 0.13, 0.28) > 0.2 and rms(user, 0.5, 2.0) < 1e-3 and rms(user, 0.0, 0.08) < 1e-3
    assert rms(model, 1.0, 1.2) > 0.3
    assert rms(model, 0.0, 0.99) < 1e-3 and rms(model, 1.21, 2.0) < 1e-3


def test_queued_model_audio_plays_back_to_back_and_extends_the_file(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "talk.wav"
    recorder = TwoChannelRecorder(path, clock)
    recorder.open()
    for _ in range(3):
        recorder(ModelAudio(tone(0.5, MODEL_FORMAT.rate)))
    recorder.close()
    _, model, frames = read_stereo(path, RATE)
    assert frames == int(1.5 * RATE)
    assert rms(model, 0.0, 1.5) > 0.3


def test_audio_is_written_as_the_conversation_goes(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "talk.wav"
    recorder = TwoChannelRecorder(path, clock, settle_s=0.5)
    recorder.open()
    for _ in range(250):  # 5 s of microphone
        clock.advance(0.02)
        recorder.add_user(tone(0.02, MIC_FORMAT.rate))
    assert 4.25 * RATE <= recorder.frames_written <= 4.5 * RATE
    with wave.open(str(path), "rb") as wav:  # the header is already right: a crash leaves a valid WAV
        assert wav.getnframes() == recorder.frames_written
    recorder.close()
    assert read_stereo(path, RATE)[2] == 5 * RATE


def test_nothing_is_recorded_before_open_or_after_close(tmp_path: Path) -> None:
    clock = FakeClock()
    recorder = TwoChannelRecorder(tmp_path / "x.wav", clock)
    recorder(ModelAudio(tone(0.1, MODEL_FORMAT.rate)))
    assert not (tmp_path / "x.wav").exists()
    recorder.open()
    recorder.close()
    recorder(ModelAudio(tone(0.1, MODEL_FORMAT.rate)))
    recorder.close()
    assert read_stereo(tmp_path / "x.wav", RATE)[2] == 0


def test_tick_writes_out_a_stretch_with_no_audio_as_it_goes(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "talk.wav"
    recorder = TwoChannelRecorder(path, clock, settle_s=0.5)
    recorder.open()
    recorder.add_user(tone(0.02, MIC_FORMAT.rate))
    for _ in range(40):  # 10 s muted: nothing arrives, the controller ticks
        clock.advance(0.25)
        recorder.tick()
        assert recorder.frames_written >= int((clock.now() - 0.5) * RATE) - RATE // 4
    assert len(recorder._pending) <= RATE, "silence is not piled up in memory"
    recorder.close()
    user, model, frames = read_stereo(path, RATE)
    assert frames == 10 * RATE and rms(user, 1.0, 10.0) == 0.0 and rms(model, 0.0, 10.0) == 0.0


def test_tick_before_open_or_after_close_does_nothing(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "x.wav"
    recorder = TwoChannelRecorder(path, clock)
    recorder.tick()
    assert not path.exists()

    recorder.open()
    clock.advance(1.0)
    recorder.tick()
    assert recorder.frames_written > 0, "while open, a tick this late writes"
    recorder.close()
    size, frames = path.stat().st_size, recorder.frames_written
    clock.advance(2.0)
    recorder.tick()
    assert (path.stat().st_size, recorder.frames_written) == (size, frames)


def test_a_failing_last_write_still_closes_the_file(tmp_path: Path) -> None:
    full = Path("/dev/full")  # every write fails with ENOSPC, as on a full disk
    assert full.exists()

    def open_on_full() -> int:
        fd_dir = Path("/proc/self/fd")
        return sum(1 for fd in fd_dir.iterdir() if fd.exists() and fd.resolve() == full)

    clock = FakeClock()
    recorder = TwoChannelRecorder(full, clock)
    recorder.open()
    assert open_on_full() == 1
    recorder(ModelAudio(tone(2.0, MODEL_FORMAT.rate)))  # queued: written only at close
    clock.advance(0.1)
    with pytest.raises(OSError):
        recorder.close()
    assert open_on_full() == 0, "the file handle was left open after the failed write"
    recorder.close()  # closed for good: a second close does nothing
