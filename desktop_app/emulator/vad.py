"""A pure energy voice-activity detector that also cuts the utterances out of the stream.

Feed it 16 kHz PCM16 in blocks of any size; it judges 10 ms frames by their RMS level with hysteresis:

* speech **starts** once ``prefix_padding_ms`` of consecutive frames are at or above the start threshold
  (the setting's documented meaning: "the required duration of detected speech before start-of-speech is
  committed"); the start offset is the first of those frames;
* speech **ends** once ``silence_duration_ms`` of consecutive frames fall below the (lower) end threshold;
  the utterance handed out stops at the last voiced frame, so its length is the speech, not the pause.

Times are stream offsets (seconds of audio fed so far), never wall-clock time, so results are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from desktop_app.core.audio_format import MIC_FORMAT, pcm16_to_float, rms_dbfs

__all__ = ["EnergyVad", "SpeechEnded", "SpeechStarted", "VadEvent", "VadParams"]

FRAME_MS = 10

# Start thresholds per startOfSpeechSensitivity: HIGH "detects the start of speech more often".
_START_DBFS = {"START_SENSITIVITY_HIGH": -45.0, "START_SENSITIVITY_LOW": -35.0}
# End-threshold drop below the start threshold per endOfSpeechSensitivity: HIGH "ends speech more often",
# so quiet tails count as silence sooner (a small drop); LOW keeps a quiet tail inside the utterance.
_END_DROP_DB = {"END_SENSITIVITY_HIGH": 5.0, "END_SENSITIVITY_LOW": 12.0}
_DEFAULT_PREFIX_MS = 20
_DEFAULT_SILENCE_MS = 500


@dataclass(frozen=True, slots=True)
class VadParams:
    """Detector settings. Use :meth:`from_setup` to map the Live API's activity-detection settings."""

    start_threshold_dbfs: float = _START_DBFS["START_SENSITIVITY_HIGH"]
    end_threshold_dbfs: float = _START_DBFS["START_SENSITIVITY_HIGH"] - 5.0
    prefix_padding_ms: int = _DEFAULT_PREFIX_MS
    silence_duration_ms: int = _DEFAULT_SILENCE_MS
    max_utterance_ms: int = 30_000

    @classmethod
    def from_setup(
        cls,
        start_sensitivity: str = "START_SENSITIVITY_HIGH",
        end_sensitivity: str = "END_SENSITIVITY_HIGH",
        prefix_padding_ms: int | None = None,
        silence_duration_ms: int | None = None,
        max_utterance_ms: int = 30_000,
    ) -> VadParams:
        """Thresholds from the sensitivities (unknown values get the service default, HIGH); durations
        from the settings or the defaults (20 ms to commit a start, 500 ms of silence to end)."""
        start = _START_DBFS.get(start_sensitivity, _START_DBFS["START_SENSITIVITY_HIGH"])
        drop = _END_DROP_DB.get(end_sensitivity, _END_DROP_DB["END_SENSITIVITY_HIGH"])
        return cls(
            start_threshold_dbfs=start,
            end_threshold_dbfs=start - drop,
            prefix_padding_ms=max(0, prefix_padding_ms)
            if prefix_padding_ms is not None
            else _DEFAULT_PREFIX_MS,
            silence_duration_ms=max(0, silence_duration_ms)
            if silence_duration_ms is not None
            else _DEFAULT_SILENCE_MS,
            max_utterance_ms=max_utterance_ms,
        )


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """Speech began at ``offset_s`` (stream time of its first voiced frame)."""

    offset_s: float


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    """Speech ended at ``offset_s`` (end of its last voiced frame). ``audio`` is the utterance (PCM16,
    16 kHz) from the start offset to the end offset; ``level_dbfs`` its RMS level."""

    offset_s: float
    audio: bytes = field(repr=False)
    level_dbfs: float

    @property
    def duration_s(self) -> float:
        return MIC_FORMAT.duration_s(len(self.audio))


VadEvent = SpeechStarted | SpeechEnded


class EnergyVad:
    """The detector state machine. Not thread-safe; one instance per audio stream."""

    def __init__(self, params: VadParams | None = None) -> None:
        self.params = params or VadParams()
        self._frame_bytes = MIC_FORMAT.bytes_for_ms(FRAME_MS)
        self._frame_s = FRAME_MS / 1000
        self._prefix_frames = max(1, -(-self.params.prefix_padding_ms // FRAME_MS))
        self._silence_frames = max(1, -(-self.params.silence_duration_ms // FRAME_MS))
        self._max_frames = max(1, self.params.max_utterance_ms // FRAME_MS)
        self._remainder = b""
        self._frames_seen = 0
        self._in_speech = False
        self._candidate = bytearray()  # voiced frames not yet committed as a start
        self._utterance = bytearray()  # frames since the committed start
        self._start_frame = 0
        self._voiced_frames = 0  # utterance frames up to and including the last voiced one
        self._silent_run = 0

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def stream_time_s(self) -> float:
        """Seconds of whole frames fed so far."""
        return self._frames_seen * self._frame_s

    def feed(self, pcm: bytes) -> list[VadEvent]:
        """Take the next block of 16 kHz PCM16 (any length) and return what it completed."""
        data = self._remainder + pcm
        usable = len(data) - len(data) % self._frame_bytes
        self._remainder = data[usable:]
        if not usable:
            return []
        samples = pcm16_to_float(data[:usable]).astype(np.float64)
        frames = samples.reshape(-1, self._frame_bytes // 2)
        rms = np.sqrt(np.mean(np.square(frames), axis=1))
        levels = 20.0 * np.log10(np.maximum(rms, 1e-6))
        events: list[VadEvent] = []
        for index, level in enumerate(levels.tolist()):
            frame = data[index * self._frame_bytes : (index + 1) * self._frame_bytes]
            event = self._step(frame, level)
            if event is not None:
                events.append(event)
        return events

    def flush(self) -> list[VadEvent]:
        """End of the audio stream (``audioStreamEnd``): end an open utterance now, forget partial frames
        and an uncommitted start."""
        self._remainder = b""
        self._candidate.clear()
        if not self._in_speech:
            return []
        return [self._end()]

    def reset(self) -> None:
        """Drop all state except the stream clock (used when the client switches detection modes)."""
        self._remainder = b""
        self._candidate.clear()
        self._utterance.clear()
        self._in_speech = False

    def _step(self, frame: bytes, level: float) -> VadEvent | None:
        self._frames_seen += 1
        if not self._in_speech:
            if level < self.params.start_threshold_dbfs:
                self._candidate.clear()
                return None
            self._candidate += frame
            if len(self._candidate) < self._prefix_frames * self._frame_bytes:
                return None
            self._in_speech = True
            self._utterance = bytearray(self._candidate)
            self._candidate.clear()
            self._start_frame = self._frames_seen - len(self._utterance) // self._frame_bytes
            self._voiced_frames = len(self._utterance) // self._frame_bytes
            self._silent_run = 0
            return SpeechStarted(offset_s=self._start_frame * self._frame_s)
        self._utterance += frame
        frames_in = len(self._utterance) // self._frame_bytes
        if level >= self.params.end_threshold_dbfs:
            self._voiced_frames = frames_in
            self._silent_run = 0
        else:
            self._silent_run += 1
        if self._silent_run >= self._silence_frames or frames_in >= self._max_frames:
            return self._end()
        return None

    def _end(self) -> SpeechEnded:
        audio = bytes(self._utterance[: self._voiced_frames * self._frame_bytes])
        self._utterance.clear()
        self._in_speech = False
        self._silent_run = 0
        end = (self._start_frame + self._voiced_frames) * self._frame_s
        return SpeechEnded(offset_s=end, audio=audio, level_dbfs=rms_dbfs(audio))
