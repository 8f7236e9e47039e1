"""The opt-in recording of both sides of a conversation to one two-channel WAV.

Left channel: the user's microphone (as sent to the model). Right channel: the model's audio. 24 kHz PCM16
stereo; the microphone is resampled up from 16 kHz. The two are aligned by *arrival time* on the recorder's
clock: a microphone block is placed so that it ends when it arrived (it was captured during the block
before), a model chunk starts when it arrived or right after the model audio before it (the service sends
faster than real time, and a player plays it back to back). ``Interrupted`` cuts the model channel at that
moment, as the speaker went silent then. Time with nothing from either side is written as silence, so the
file's timeline is the conversation's.

Audio stays in memory only until it cannot change any more (``settle_s`` behind the clock, and model
audio queued ahead of the clock); then it is appended to the file and the WAV header is patched, so a crash
leaves a playable file. Subscribe an instance to the events (it is a callable) and feed microphone blocks
with :meth:`add_user` (the conversation does not publish them); call :meth:`tick` a few times a second.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from desktop_app.audio.resample import StreamResampler
from desktop_app.core.audio_format import MIC_FORMAT, MODEL_FORMAT, PcmFormat, pcm16_to_float, to_pcm16
from desktop_app.core.clock import Clock, MonotonicClock
from desktop_app.core.errors import MediaError
from desktop_app.core.events import Event, Interrupted, MicAudio, ModelAudio

__all__ = ["TwoChannelRecorder"]

USER, MODEL = 0, 1


class TwoChannelRecorder:
    """Records the user (left) and the model (right) to ``path``; loop thread only.

    Args:
        path: the WAV file to write (created or replaced by :meth:`open`).
        clock: arrival times come from it.
        settle_s: how far behind the clock audio is kept in memory before it is written.
    """

    RATE = MODEL_FORMAT.rate

    def __init__(self, path: Path, clock: Clock | None = None, *, settle_s: float = 0.5) -> None:
        self.path = path
        self._clock = clock or MonotonicClock()
        self._settle = int(settle_s * self.RATE)
        self._wav: wave.Wave_write | None = None
        self._origin = 0.0
        self._committed = 0  # frames already in the file
        self._pending = np.zeros((0, 2), dtype=np.int16)  # frames from _committed on
        self._cursor = [0, 0]
        self._resampler: StreamResampler | None = None
        self._model_resampler: StreamResampler | None = None

    @property
    def frames_written(self) -> int:
        return self._committed

    def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            wav = wave.open(str(self.path), "wb")  # noqa: SIM115 - open until close()
        except OSError as exc:
            raise MediaError(f"The recording {self.path} cannot be written ({exc}).") from None
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(self.RATE)
        self._wav = wav
        self._origin = self._clock.now()

    def close(self) -> None:
        """Write everything still held (up to now or the end of queued model audio) and close.

        The file is closed even when that last write fails (the error is raised after closing).
        """
        if self._wav is None:
            return
        try:
            self._commit(max(self._now_frame(), *self._cursor))
        finally:
            wav, self._wav = self._wav, None
            wav.close()

    # --- input -----------------------------------------------------------------------------------

    def __call__(self, event: Event) -> None:
        if isinstance(event, MicAudio):
            self.add_user(event.pcm, event.fmt)
        elif isinstance(event, ModelAudio):
            self.add_model(event.pcm, event.fmt)
        elif isinstance(event, Interrupted):
            self.interrupt()

    def add_user(self, pcm: bytes, fmt: PcmFormat = MIC_FORMAT) -> None:
        """A microphone block that just arrived (it ends now)."""
        if self._wav is None:
            return
        if self._resampler is None or self._resampler.in_rate != fmt.rate:
            self._resampler = StreamResampler(fmt.rate, self.RATE)
        samples = to_pcm16(self._resampler.process(_mono(pcm, fmt)))
        now = self._now_frame()
        self._place(USER, samples, now - len(samples))
        self._maybe_commit(now)

    def add_model(self, pcm: bytes, fmt: PcmFormat = MODEL_FORMAT) -> None:
        """A chunk of model audio that just arrived (it plays from now, or after the chunk before)."""
        if self._wav is None:
            return
        mono = _mono(pcm, fmt)
        if fmt.rate != self.RATE:
            if self._model_resampler is None or self._model_resampler.in_rate != fmt.rate:
                self._model_resampler = StreamResampler(fmt.rate, self.RATE)
            mono = self._model_resampler.process(mono)
        now = self._now_frame()
        self._place(MODEL, to_pcm16(mono), now)
        self._maybe_commit(now)

    def tick(self) -> None:
        """Write out what can no longer change. Call it a few times a second while recording: otherwise a
        long stretch with audio from neither side (muted, push-to-talk) is held and written in one piece."""
        if self._wav is not None:
            self._maybe_commit(self._now_frame())

    def interrupt(self) -> None:
        """The model was interrupted: its audio queued beyond now was never heard; drop it."""
        if self._wav is None:
            return
        now = max(self._now_frame(), self._committed)
        if self._cursor[MODEL] > now:
            self._pending[now - self._committed :, MODEL] = 0
            self._cursor[MODEL] = now

    # --- internals -------------------------------------------------------------------------------

    def _now_frame(self) -> int:
        return int((self._clock.now() - self._origin) * self.RATE)

    def _place(self, channel: int, samples: npt.NDArray[np.int16], at: int) -> None:
        start = max(self._cursor[channel], at, self._committed)
        end = start + len(samples)
        needed = end - self._committed
        if needed > len(self._pending):
            grown = np.zeros((max(needed, 2 * len(self._pending)), 2), dtype=np.int16)
            grown[: len(self._pending)] = self._pending
            self._pending = grown
        self._pending[start - self._committed : end - self._committed, channel] = samples
        self._cursor[channel] = end

    def _maybe_commit(self, now: int) -> None:
        upto = now - self._settle  # earlier frames can no longer change (an interruption cuts from now)
        if upto - self._committed >= self.RATE // 4:  # write in pieces of at least 250 ms
            self._commit(upto)

    def _commit(self, upto: int) -> None:
        count = upto - self._committed
        if count <= 0 or self._wav is None:
            return
        if count > len(self._pending):
            grown = np.zeros((count, 2), dtype=np.int16)
            grown[: len(self._pending)] = self._pending
            self._pending = grown
        frames, self._pending = self._pending[:count], self._pending[count:].copy()
        self._wav.writeframes(frames.astype("<i2").tobytes())
        self._committed = upto


def _mono(pcm: bytes, fmt: PcmFormat) -> npt.NDArray[np.float32]:
    usable = len(pcm) - len(pcm) % fmt.bytes_per_frame
    samples = pcm16_to_float(pcm[:usable])
    if fmt.channels > 1:
        samples = samples.reshape(-1, fmt.channels).mean(axis=1).astype(np.float32)
    return samples
