"""WAV files as an audio source and sink, for the headless slice, tests and benchmarks.

:class:`WavFileSource` reads any WAV (any rate, any channel count, 8/16/24/32-bit integer PCM), converts it to
16 kHz mono PCM16 with soxr and yields 20 ms :class:`MicAudio` blocks, paced in real time unless told not to.
:class:`WavFileSink` writes the model's audio to a 24 kHz mono WAV.
"""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soxr

from desktop_app.core.audio_format import MIC_FORMAT, MODEL_FORMAT, PcmFormat, float_to_pcm16, pcm16_to_float
from desktop_app.core.clock import Clock, MonotonicClock
from desktop_app.core.errors import MediaError
from desktop_app.core.events import MicAudio, ModelAudio

__all__ = ["WavFileSink", "WavFileSource", "read_wav_mono16k"]


def read_wav_mono16k(path: Path) -> bytes:
    """The whole file as 16 kHz mono PCM16. Raises MediaError with a readable reason."""
    try:
        with wave.open(str(path), "rb") as wav:
            rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
            raw = wav.readframes(wav.getnframes())
    except FileNotFoundError:
        raise MediaError(f"The input file {path} does not exist.") from None
    except (wave.Error, EOFError, OSError) as exc:
        raise MediaError(f"The input file {path} is not a readable WAV file ({exc}).") from None
    if width == 1:
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        samples = pcm16_to_float(raw)
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = (b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8
        samples = ints.astype(np.float32) / 8388608.0
    elif width == 4:
        samples = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
    else:  # pragma: no cover - wave rejects other widths
        raise MediaError(f"The input file {path} has an unsupported sample width.")
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    if rate != MIC_FORMAT.rate:
        samples = soxr.resample(samples, rate, MIC_FORMAT.rate, quality="HQ")
    return float_to_pcm16(samples)


class WavFileSource:
    """An :class:`~desktop_app.core.ports.AudioSource` reading a WAV file in ``block_ms`` blocks.

    With ``realtime=True`` blocks come out at the pace a microphone would produce them; otherwise as fast as
    the consumer takes them. ``captured_at`` is stamped when each block is released.
    """

    def __init__(
        self,
        path: Path,
        *,
        block_ms: int = 20,
        realtime: bool = True,
        clock: Clock | None = None,
    ) -> None:
        self._path = path
        self._block_bytes = MIC_FORMAT.bytes_for_ms(block_ms)
        self._block_s = block_ms / 1000
        self._realtime = realtime
        self._clock = clock or MonotonicClock()
        self._closed = False
        self.duration_s = 0.0

    async def blocks(self) -> AsyncIterator[MicAudio]:
        pcm = await asyncio.to_thread(read_wav_mono16k, self._path)
        self.duration_s = MIC_FORMAT.duration_s(len(pcm))
        start = self._clock.now()
        for index, offset in enumerate(range(0, len(pcm), self._block_bytes)):
            if self._closed:
                return
            if self._realtime:
                delay = start + index * self._block_s - self._clock.now()
                if delay > 0:
                    await asyncio.sleep(delay)  # pacing, not synchronisation
            yield MicAudio(pcm[offset : offset + self._block_bytes], MIC_FORMAT, self._clock.now())

    async def aclose(self) -> None:
        self._closed = True


class WavFileSink:
    """An :class:`~desktop_app.core.ports.AudioSink` that writes everything played to a WAV file."""

    def __init__(self, path: Path, fmt: PcmFormat = MODEL_FORMAT) -> None:
        self._path = path
        self._fmt = fmt
        self._wav: wave.Wave_write | None = None
        self._handle: BinaryIO | None = None

    def _open(self) -> wave.Wave_write:
        if self._wav is None:
            try:
                # open the file first: wave.open(path) leaves a half-built writer whose __del__ raises
                handle = self._path.open("wb")
            except OSError as exc:
                raise MediaError(f"The output file {self._path} cannot be written ({exc}).") from None
            wav = wave.open(handle, "wb")  # noqa: SIM115 - closed in aclose()
            wav.setnchannels(self._fmt.channels)
            wav.setsampwidth(2)
            wav.setframerate(self._fmt.rate)
            self._wav = wav
            self._handle = handle
        return self._wav

    def open(self) -> None:
        """Create the file now, so a bad path fails before the session starts."""
        self._open()

    def play(self, chunk: ModelAudio) -> None:
        if chunk.fmt != self._fmt:
            raise MediaError(f"Expected {self._fmt.rate} Hz audio, got {chunk.fmt.rate} Hz.")
        self._open().writeframes(chunk.pcm)

    def interrupt(self) -> None:
        """A file has nothing queued: what was written stays written."""

    async def drain(self) -> None:
        return None

    async def aclose(self) -> None:
        if self._wav is not None:
            self._wav.close()  # closes the header; the file handle is ours to close
            self._wav = None
            if self._handle is not None:
                self._handle.close()
                self._handle = None
