"""The app's own voice-activity detector for local barge-in: pure, one decision per echo-cancelled block.

It runs on the microphone block *after* echo cancellation, so what it hears is the user plus whatever echo
the canceller left. Each block is judged on its own (a decision within one 20 ms block is what keeps the
duck within the 60 ms budget: block + device buffer), by three tests that all must pass:

1. **Energy.** The block's level is at least ``margin_db`` above the tracked noise floor and at least
   ``min_speech_dbfs``. The floor follows quiet blocks down at once and rises only ``floor_rise_db_s``
   whatever the decision (a fan that starts is absorbed in seconds; a voice has pauses that pull it back).
2. **Zero crossings.** At most ``max_zcr`` of adjacent 16 kHz samples change sign: voiced speech crosses
   rarely (0.02–0.15), broadband hiss and clicks about half the time.
3. **Not echo.** While the far end (the reference the canceller played, :attr:`BlockObservation.far_dbfs`)
   was active within ``far_hold_ms``, the model's own voice may leak through; the block must then also be
   ``talk_extra_db`` louder (the stricter threshold while the model talks), and the canceller must have
   removed at most ``max_cancelled_db`` from it (the residual check: ``raw - clean``; a block that was mostly
   echo loses 20 dB or more to the canceller, a block carrying the user's voice keeps most of it).

States (:class:`VadState`): ``SILENCE`` → (a block passes) ``SPEECH``, reported once as ``onset`` →
(a block fails) ``HANGOVER`` → either back to ``SPEECH`` (a block passes: same utterance, no new onset) or,
after ``hangover_ms`` of failing blocks, ``SILENCE``. Call :meth:`LocalVad.update` once per block, in
order; it keeps no clock, so results are deterministic.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["BlockObservation", "LocalVad", "VadConfig", "VadState", "VadStep", "dbfs", "observe"]

_FLOOR_DBFS = -100.0
_FULL_SCALE_SQ = 32768.0 * 32768.0


def dbfs(mean_square: float) -> float:
    """A mean square of float samples (full scale 1.0) in dBFS; silence gives -100."""
    return 10.0 * math.log10(mean_square) if mean_square > 1e-10 else _FLOOR_DBFS


@dataclass(frozen=True, slots=True)
class VadConfig:
    """Detector settings (defaults measured on the device rig, see the module docstring for each test)."""

    block_ms: float = 20.0
    min_speech_dbfs: float = -42.0
    margin_db: float = 12.0
    max_zcr: float = 0.35
    hangover_ms: float = 200.0
    floor_rise_db_s: float = 3.0
    far_active_dbfs: float = -50.0
    far_hold_ms: float = 200.0  # a room's reverb tail outlives the reference by this much
    talk_extra_db: float = 6.0
    max_cancelled_db: float = 18.0


@dataclass(frozen=True, slots=True)
class BlockObservation:
    """One echo-cancelled block's features. ``raw_ms``/``far_ms``: the mean squares (full scale 1.0) of
    the microphone before cancellation and of the reference it was cancelled against (None: unknown, e.g.
    echo cancellation off)."""

    clean_dbfs: float
    zcr: float
    raw_dbfs: float | None = None
    far_dbfs: float | None = None


def observe(
    clean: npt.NDArray[np.int16], raw_ms: float | None = None, far_ms: float | None = None
) -> BlockObservation:
    """Measure a PCM16 block (and the canceller's levels for it) for :meth:`LocalVad.update`."""
    n = len(clean)
    if n == 0:
        return BlockObservation(_FLOOR_DBFS, 0.0)
    x = clean.astype(np.float32)
    ms = float(np.dot(x, x)) / n / _FULL_SCALE_SQ
    crossings = int(np.count_nonzero(np.signbit(x[1:]) != np.signbit(x[:-1]))) if n > 1 else 0
    return BlockObservation(
        clean_dbfs=dbfs(ms),
        zcr=crossings / max(1, n - 1),
        raw_dbfs=None if raw_ms is None else dbfs(raw_ms),
        far_dbfs=None if far_ms is None else dbfs(far_ms),
    )


class VadState(enum.Enum):
    SILENCE = "silence"
    SPEECH = "speech"
    HANGOVER = "hangover"


@dataclass(frozen=True, slots=True)
class VadStep:
    """The decision for one block: ``speech`` while the user talks (hangover included), ``onset`` on the
    block that starts an utterance, ``far_active`` when the model's voice was playing (the strict tests
    applied), ``reason`` names the test a non-speech block failed (for tests and tuning)."""

    speech: bool
    onset: bool
    far_active: bool
    reason: str = ""


class LocalVad:
    """Energy + zero-crossing detector with hangover and an echo guard. One instance per microphone."""

    def __init__(self, config: VadConfig | None = None) -> None:
        self.config = config or VadConfig()
        self.state = VadState.SILENCE
        self.noise_floor_dbfs = -70.0
        self._quiet_ms = 0.0  # failing blocks in a row, in ms (hangover)
        self._since_far_ms = math.inf  # since the reference was last active

    def update(self, obs: BlockObservation) -> VadStep:
        """Judge the next block (call once per block, in order)."""
        c = self.config
        if obs.far_dbfs is not None and obs.far_dbfs >= c.far_active_dbfs:
            self._since_far_ms = 0.0
        else:
            self._since_far_ms += c.block_ms
        far_active = self._since_far_ms <= c.far_hold_ms
        reason = self._fails(obs, far_active)
        self._track_floor(obs.clean_dbfs)
        if reason:
            if self.state is VadState.SILENCE:
                return VadStep(False, False, far_active, reason)
            self._quiet_ms += c.block_ms
            if self._quiet_ms >= c.hangover_ms:
                self.state = VadState.SILENCE
                return VadStep(False, False, far_active, reason)
            self.state = VadState.HANGOVER
            return VadStep(True, False, far_active, reason)
        self._quiet_ms = 0.0
        onset = self.state is VadState.SILENCE
        self.state = VadState.SPEECH
        return VadStep(True, onset, far_active)

    def _fails(self, obs: BlockObservation, far_active: bool) -> str:
        c = self.config
        threshold = max(c.min_speech_dbfs, self.noise_floor_dbfs + c.margin_db)
        if far_active:
            threshold += c.talk_extra_db
        if obs.clean_dbfs < threshold:
            return "energy"
        if obs.zcr > c.max_zcr:
            return "zcr"
        if far_active and obs.raw_dbfs is not None and obs.raw_dbfs - obs.clean_dbfs > c.max_cancelled_db:
            return "echo"
        return ""

    def _track_floor(self, level: float) -> None:
        """Down at once, up slowly (speech has pauses that pull it back; a steady noise does not)."""
        if level < self.noise_floor_dbfs:
            self.noise_floor_dbfs = max(_FLOOR_DBFS, level)
        else:
            rise = self.config.floor_rise_db_s * self.config.block_ms / 1000.0
            self.noise_floor_dbfs = min(level, self.noise_floor_dbfs + rise)

    def reset(self) -> None:
        """Forget the utterance in progress (the floor stays: it describes the room, not the talk)."""
        self.state = VadState.SILENCE
        self._quiet_ms = 0.0
        self._since_far_ms = math.inf
