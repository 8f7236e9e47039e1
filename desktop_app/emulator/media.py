"""Media helpers for the simulated model: resampling, a synthetic reply voice (pitched by the voice the setup
names, so a client can hear that its voice choice arrived), and describing a frame.

Pure functions (CPU only). Audio is PCM16LE mono bytes throughout.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import soxr

from desktop_app.core.audio_format import MODEL_FORMAT, float_to_pcm16

__all__ = [
    "DEFAULT_PITCH_HZ",
    "FrameInfo",
    "describe_frame",
    "resample",
    "split_pcm",
    "synth_voice",
    "voice_pitch",
]

DEFAULT_PITCH_HZ = 220.0
"""The synthetic voice's fundamental when the setup names no voice."""


def voice_pitch(voice: str | None) -> float:
    """The fundamental the synthetic voice speaks at for the prebuilt voice ``voice`` (any case): one of 24
    pitches from 110 to 340 Hz, fixed per name; :data:`DEFAULT_PITCH_HZ` for None."""
    if not voice:
        return DEFAULT_PITCH_HZ
    return 110.0 + 10.0 * (zlib.crc32(voice.strip().casefold().encode()) % 24)


def resample(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    """Resample PCM16 mono with soxr (high quality). The output length is ``len * to/from`` (rounded)."""
    if from_rate == to_rate or not pcm:
        return pcm
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2")
    out = soxr.resample(samples, from_rate, to_rate)
    return np.asarray(out, dtype="<i2").tobytes()


def split_pcm(pcm: bytes, chunk_bytes: int) -> list[bytes]:
    """``pcm`` cut into pieces of ``chunk_bytes`` (the last may be shorter; none is empty)."""
    chunk_bytes = max(2, chunk_bytes - chunk_bytes % 2)
    return [pcm[i : i + chunk_bytes] for i in range(0, len(pcm), chunk_bytes)]


def synth_voice(
    duration_s: float,
    rate: int = MODEL_FORMAT.rate,
    level_dbfs: float = -20.0,
    pitch_hz: float = DEFAULT_PITCH_HZ,
) -> bytes:
    """A speech-like but clearly synthetic sound: a fundamental at ``pitch_hz`` and its fifth with a 4 Hz
    syllable envelope that never falls silent, faded in and out over 10 ms. Used as the audio of text
    replies."""
    count = max(0, int(duration_s * rate))
    t = np.arange(count, dtype=np.float64) / rate
    envelope = 0.6 + 0.4 * np.sin(2 * np.pi * 4.0 * t)
    wave = np.sin(2 * np.pi * pitch_hz * t) + 0.5 * np.sin(2 * np.pi * 1.5 * pitch_hz * t)
    signal = envelope * wave
    fade = min(count // 2, int(0.01 * rate))
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        signal[:fade] *= ramp
        signal[-fade:] *= ramp[::-1]
    rms = float(np.sqrt(np.mean(np.square(signal)))) if count else 0.0
    if rms > 0:
        signal *= (10 ** (level_dbfs / 20)) / rms
    return float_to_pcm16(signal.astype(np.float32))


@dataclass(frozen=True, slots=True)
class FrameInfo:
    """Size and average colour of a decoded image."""

    width: int
    height: int
    mean_rgb: tuple[int, int, int]

    @property
    def hex_colour(self) -> str:
        r, g, b = self.mean_rgb
        return f"#{r:02x}{g:02x}{b:02x}"


def describe_frame(data: bytes) -> FrameInfo | None:
    """Decode an encoded image (JPEG, PNG, … whatever OpenCV reads); None if it cannot be decoded."""
    if not data:
        return None
    import cv2  # imported lazily: only needed once a frame is described

    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        return None
    height, width = int(image.shape[0]), int(image.shape[1])
    blue, green, red = (round(float(v)) for v in image.reshape(-1, 3).mean(axis=0))
    return FrameInfo(width=width, height=height, mean_rgb=(red, green, blue))
