"""The app's own voice-activity detector for local barge-in: pure, one decision per microphone block.

It judges each echo-cancelled 16 kHz block (20 ms) on its own, with the levels the canceller saw for it
(:class:`BlockObservation`: the cleaned block, the raw microphone before cancellation, the reference it
was cancelled against). One block decides an onset: that, plus the device buffers, is the whole duck budget.

With nobody else talking (no reference within ``far_hold_ms``) a block is speech when its cleaned level
is ``margin_db`` above the tracked noise floor and at least ``min_speech_dbfs`` (*energy*; the floor
follows quiet blocks down at once and rises only ``floor_rise_db_s`` whatever the decision, so a fan that
starts is absorbed in seconds while a voice's pauses pull it back), and at most ``max_zcr`` of adjacent
samples change sign (*zero crossings*: voiced speech 0.02–0.15, broadband hiss and clicks about 0.5).

While the model talks its own voice leaks back through the echo path, so a block must pass one of two
stricter tests, both ``talk_extra_db`` above that threshold:

* **double talk against the reference** (Geigel-style, on levels; ``via="dtd"``): the raw microphone is
  ``dtd_margin_db`` louder than the loudest reference within the hold plus the echo path's gain (ERL).
  The ERL is the ``erl_percentile`` of raw minus that reference over the last ``erl_blocks`` blocks heard
  while the model talked and nobody did (so a stretch of undetected double talk does not move it);
  until ``erl_min_blocks`` were heard it is ``erl_init_db`` (0: as if the echo were as loud as what
  played). This is the fast path: AEC3 mutes the near end for about 100 ms after double talk starts, so
  its output hears the user two to five blocks later than the raw microphone does.
* **the canceller's output** (``via="clean"``): energy as above; zero crossings at most
  ``max_zcr_over_far`` (what AEC3 leaks of a voice is mostly its hiss: 0.25–0.35 measured); the canceller
  removed at most ``max_cancelled_db`` from the block (*residual check*, raw − clean: a block of echo
  loses 20 dB or more, the user's voice keeps most); for ``clean_blocks_over_far`` blocks in a row (a
  leak after the echo path moved passes for a block); and not while the canceller re-converges
  (:attr:`BlockObservation.aec_settled` False: the speaker underflowed or the reference was re-aligned).

States (:class:`VadState`): ``SILENCE`` → (a block passes) ``SPEECH``, reported once as ``onset`` →
(a block fails) ``HANGOVER`` → either back to ``SPEECH`` (a block passes: same utterance, no new onset) or,
after ``hangover_ms`` of failing blocks, ``SILENCE``. Call :meth:`LocalVad.update` once per block, in
order; it keeps no clock, so results are deterministic.
"""

from __future__ import annotations

import enum
import math
from collections import deque
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
    max_cancelled_db: float = 12.0
    max_zcr_over_far: float = 0.2
    clean_blocks_over_far: int = 2
    dtd_margin_db: float = 6.0
    erl_init_db: float = 0.0
    erl_percentile: float = 95.0
    erl_blocks: int = 150
    erl_min_blocks: int = 10


@dataclass(frozen=True, slots=True)
class BlockObservation:
    """One echo-cancelled block's features. ``raw_ms``/``far_ms``: the mean squares (full scale 1.0) of
    the microphone before cancellation and of the reference it was cancelled against (None: unknown, e.g.
    echo cancellation off)."""

    clean_dbfs: float
    zcr: float
    raw_dbfs: float | None = None
    far_dbfs: float | None = None
    aec_settled: bool = True


def observe(
    clean: npt.NDArray[np.int16],
    raw_ms: float | None = None,
    far_ms: float | None = None,
    *,
    aec_settled: bool = True,
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
        aec_settled=aec_settled,
    )


class VadState(enum.Enum):
    SILENCE = "silence"
    SPEECH = "speech"
    HANGOVER = "hangover"


@dataclass(frozen=True, slots=True)
class VadStep:
    """The decision for one block: ``speech`` while the user talks (hangover included), ``onset`` on the
    block that starts an utterance, ``far_active`` when the model's voice was playing (the strict tests
    applied), ``reason`` names the test a non-speech block failed, ``via`` the test a speech block passed
    (``"dtd"``: the double-talk check, ``"clean"``: the canceller's output; for tests and tuning)."""

    speech: bool
    onset: bool
    far_active: bool
    reason: str = ""
    via: str = ""


class LocalVad:
    """Energy + zero-crossing detector with hangover and an echo guard. One instance per microphone."""

    def __init__(self, config: VadConfig | None = None) -> None:
        self.config = config or VadConfig()
        self.state = VadState.SILENCE
        self.noise_floor_dbfs = -70.0
        self._quiet_ms = 0.0  # failing blocks in a row, in ms (hangover)
        self._clean_run = 0  # blocks in a row that passed on the canceller's output
        self._since_far_ms = math.inf  # since the reference was last active
        hold = max(1, math.ceil(self.config.far_hold_ms / self.config.block_ms) + 1)
        self._far: deque[float] = deque(maxlen=hold)  # the reference levels within the hold
        self.erl_db = self.config.erl_init_db
        self._erl_seen: deque[float] = deque(maxlen=self.config.erl_blocks)
        """The echo path's learned gain: raw microphone level minus the loudest recent reference."""

    def update(self, obs: BlockObservation) -> VadStep:
        """Judge the next block (call once per block, in order)."""
        c = self.config
        if obs.far_dbfs is not None and obs.far_dbfs >= c.far_active_dbfs:
            self._since_far_ms = 0.0
        else:
            self._since_far_ms += c.block_ms
        far_active = self._since_far_ms <= c.far_hold_ms
        self._far.append(obs.far_dbfs if obs.far_dbfs is not None else _FLOOR_DBFS)
        reason, via = self._judge(obs, far_active)
        self._track_floor(obs.clean_dbfs)
        if reason and far_active and self.state is VadState.SILENCE and obs.raw_dbfs is not None:
            self._learn_erl(obs.raw_dbfs - max(self._far))
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
        return VadStep(True, onset, far_active, via=via)

    def _judge(self, obs: BlockObservation, far_active: bool) -> tuple[str, str]:
        """(the test failed, "") or ("", the test passed)."""
        c = self.config
        threshold = max(c.min_speech_dbfs, self.noise_floor_dbfs + c.margin_db)
        if far_active:
            threshold += c.talk_extra_db
            raw, echo = obs.raw_dbfs, max(self._far) + self.erl_db
            if raw is not None and raw >= max(threshold, echo + c.dtd_margin_db):
                return "", "dtd"  # double talk: louder than the echo the reference explains
        reason = self._fails(obs, far_active, threshold)
        self._clean_run = 0 if reason else self._clean_run + 1
        if not reason and far_active and self._clean_run < c.clean_blocks_over_far:
            return "confirming", ""
        return reason, "" if reason else "clean"

    def _fails(self, obs: BlockObservation, far_active: bool, threshold: float) -> str:
        c = self.config
        if obs.clean_dbfs < threshold:
            return "energy"
        if far_active and not obs.aec_settled:
            return "unsettled"
        if obs.zcr > (c.max_zcr_over_far if far_active else c.max_zcr):
            return "zcr"
        if far_active and obs.raw_dbfs is not None and obs.raw_dbfs - obs.clean_dbfs > c.max_cancelled_db:
            return "echo"
        return ""

    def _learn_erl(self, observed_db: float) -> None:
        self._erl_seen.append(observed_db)
        if len(self._erl_seen) >= self.config.erl_min_blocks:
            self.erl_db = float(np.percentile(self._erl_seen, self.config.erl_percentile))

    def _track_floor(self, level: float) -> None:
        """Down at once, up slowly (speech has pauses that pull it back; a steady noise does not)."""
        if level < self.noise_floor_dbfs:
            self.noise_floor_dbfs = max(_FLOOR_DBFS, level)
        else:
            rise = self.config.floor_rise_db_s * self.config.block_ms / 1000.0
            self.noise_floor_dbfs = min(level, self.noise_floor_dbfs + rise)

    def reset(self) -> None:
        """Forget the utterance in progress (the floor and the ERL stay: they describe the room)."""
        self.state = VadState.SILENCE
        self._quiet_ms = 0.0
        self._since_far_ms = math.inf
        self._far.clear()
        self._clean_run = 0
