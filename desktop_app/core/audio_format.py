"""PCM formats and the arithmetic between bytes, frames and milliseconds.

Everything on the wire is signed 16-bit little-endian PCM. The Live API takes 16 kHz mono in and gives 24 kHz
mono out; both formats are defined here once so that no module spells a sample rate by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "MIC_FORMAT",
    "MODEL_FORMAT",
    "PcmFormat",
    "float_to_pcm16",
    "pcm16_to_float",
    "pcm16_to_float_into",
    "rms_dbfs",
    "to_pcm16",
    "to_pcm16_into",
]

SAMPLE_WIDTH = 2  # bytes per sample: PCM16


@dataclass(frozen=True, slots=True)
class PcmFormat:
    """A PCM16 little-endian format: sample rate and channel count."""

    rate: int
    channels: int = 1

    @property
    def bytes_per_frame(self) -> int:
        return SAMPLE_WIDTH * self.channels

    def frames_for_ms(self, ms: float) -> int:
        """Number of frames in ``ms`` milliseconds (rounded down)."""
        return int(self.rate * ms / 1000)

    def bytes_for_ms(self, ms: float) -> int:
        return self.frames_for_ms(ms) * self.bytes_per_frame

    def duration_s(self, nbytes: int) -> float:
        """Duration of ``nbytes`` of audio in this format, in seconds."""
        return nbytes / (self.bytes_per_frame * self.rate)

    @property
    def mime_type(self) -> str:
        """The MIME type the Live API expects for this format, e.g. ``audio/pcm;rate=16000``."""
        return f"audio/pcm;rate={self.rate}"


MIC_FORMAT = PcmFormat(rate=16_000, channels=1)
"""What the Live API takes: 16 kHz mono PCM16."""

MODEL_FORMAT = PcmFormat(rate=24_000, channels=1)
"""What the Live API answers with: 24 kHz mono PCM16."""


def pcm16_to_float(pcm: bytes | npt.NDArray[np.int16]) -> npt.NDArray[np.float32]:
    """Decode PCM16 (little-endian bytes, or an int16 array) to float32 samples in [-1, 1) (interleaved if
    multichannel). The only PCM16 → float conversion: every module that reads PCM16 as float calls this."""
    ints = np.frombuffer(pcm, dtype="<i2") if isinstance(pcm, bytes | bytearray | memoryview) else pcm
    return ints.astype(np.float32) / np.float32(32768.0)


def pcm16_to_float_into(pcm: npt.NDArray[np.int16], out: npt.NDArray[np.float32]) -> None:
    """:func:`pcm16_to_float` into ``out`` (same length) without allocating, for per-block hot paths."""
    np.multiply(pcm, np.float32(1 / 32768), out=out)


def to_pcm16(samples: npt.ArrayLike) -> npt.NDArray[np.int16]:
    """Encode float samples to an int16 array, clamping to [-1, 32767/32768]. The only float → PCM16
    conversion: :func:`float_to_pcm16` is this as bytes."""
    clipped = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 32767 / 32768)
    out: npt.NDArray[np.int16] = (clipped * 32768.0).astype(np.int16)
    return out


def to_pcm16_into(samples: npt.NDArray[np.float32], out: npt.NDArray[np.int16]) -> None:
    """:func:`to_pcm16` without allocating, for per-block hot paths: writes ``out`` (same length) and uses
    ``samples`` as its scratch, so the caller must not need ``samples`` afterwards."""
    np.clip(samples, -1.0, 32767 / 32768, out=samples)
    np.multiply(samples, 32768.0, out=samples)
    np.copyto(out, samples, casting="unsafe")  # truncates towards zero, as astype does


def float_to_pcm16(samples: npt.ArrayLike) -> bytes:
    """Encode float samples to PCM16LE bytes, clamping to the representable range."""
    return to_pcm16(samples).astype("<i2", copy=False).tobytes()


def rms_dbfs(pcm: bytes) -> float:
    """RMS level of PCM16 audio in dBFS (full-scale sine ≈ -3 dBFS); silence gives -120."""
    if len(pcm) < SAMPLE_WIDTH:
        return -120.0
    samples = pcm16_to_float(pcm[: len(pcm) - len(pcm) % SAMPLE_WIDTH])
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return max(-120.0, 20.0 * float(np.log10(rms))) if rms > 0 else -120.0
