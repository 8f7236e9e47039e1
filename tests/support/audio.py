"""Synthetic audio for tests: speech-like signals any energy VAD hears, and WAV helpers."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from desktop_app.core.audio_format import MIC_FORMAT, PcmFormat, float_to_pcm16, pcm16_to_float, rms_dbfs


def speech_like(seconds: float, rate: int = MIC_FORMAT.rate, pitch: float = 220.0) -> bytes:
    """A tone with a 4 Hz syllable envelope (never silent), as PCM16 mono."""
    t = np.arange(int(seconds * rate)) / rate
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)
    return float_to_pcm16(0.4 * envelope * np.sin(2 * np.pi * pitch * t))


def silence(seconds: float, rate: int = MIC_FORMAT.rate) -> bytes:
    return bytes(2 * int(seconds * rate))


def blocks(pcm: bytes, ms: int = 20, fmt: PcmFormat = MIC_FORMAT) -> list[bytes]:
    size = fmt.bytes_for_ms(ms)
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


def read_wav(path: Path) -> tuple[bytes, int, int]:
    """(frames, rate, channels) of a PCM16 WAV."""
    with wave.open(str(path), "rb") as wav:
        return wav.readframes(wav.getnframes()), wav.getframerate(), wav.getnchannels()


def read_stereo(path: Path, rate: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], int]:
    """(left, right, frames) of a two-channel PCM16 WAV, samples scaled to [-1, 1); fails the test unless
    the file is two-channel PCM16 at ``rate``."""
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, rate)
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    data = pcm16_to_float(frames).astype(np.float64)
    return data[:, 0], data[:, 1], len(frames)


def write_wav(path: Path, pcm: bytes, rate: int, channels: int = 1) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)


__all__ = ["blocks", "read_stereo", "read_wav", "rms_dbfs", "silence", "speech_like", "write_wav"]
