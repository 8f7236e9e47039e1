"""When the next frame may go to the model: a sans-I/O pacer driven by a clock.

The pacer never sleeps and never sees a frame. The pump asks :meth:`FramePacer.due_in` how long to wait,
and calls :meth:`FramePacer.mark_sent` when it takes a frame to send. Intervals are measured between the
moments frames are *taken*, so encoding time does not stretch the pace, and a frame is never taken sooner than
one interval after the previous one.

Speech-aware pacing: while the user speaks the pacer runs at ``speaking_fps`` (the model sees what the user
is talking about); while they are silent it drops to ``silent_fps`` to save tokens. On the switch to speaking
the interval shortens at once, so a fresh frame goes out as soon as the faster interval since the last frame
has passed.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.core.clock import Clock
from desktop_app.core.errors import ConfigError

__all__ = ["MAX_FPS", "MIN_FPS", "FramePacer", "PacingConfig"]

MIN_FPS = 0.2
"""The slowest pace offered: one frame every 5 s."""

MAX_FPS = 2.0
"""The fastest pace offered: more costs tokens without helping a conversation."""


def _check_fps(name: str, fps: float) -> None:
    if not MIN_FPS <= fps <= MAX_FPS:
        raise ConfigError(f"{name} must be between {MIN_FPS} and {MAX_FPS} frames per second, got {fps}.")


@dataclass(frozen=True, slots=True)
class PacingConfig:
    """How fast frames go to the model.

    ``fps`` is the steady pace (default 1). With ``speech_aware`` on, ``speaking_fps`` applies while the
    user speaks and ``silent_fps`` while they do not, and ``fps`` is unused. Every rate must lie in
    [0.2, 2.0]; a :class:`ConfigError` says so otherwise.
    """

    fps: float = 1.0
    speech_aware: bool = False
    speaking_fps: float = 2.0
    silent_fps: float = 0.5

    def __post_init__(self) -> None:
        _check_fps("The video frame rate", self.fps)
        _check_fps("The speaking frame rate", self.speaking_fps)
        _check_fps("The silent frame rate", self.silent_fps)

    def rate(self, user_speaking: bool) -> float:
        """Frames per second for the given speaking state."""
        if not self.speech_aware:
            return self.fps
        return self.speaking_fps if user_speaking else self.silent_fps


class FramePacer:
    """Decides when a frame is due. Call everything from one thread (the loop thread)."""

    def __init__(self, config: PacingConfig, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        self._speaking = False
        self._last_taken: float | None = None

    @property
    def config(self) -> PacingConfig:
        return self._config

    @property
    def rate(self) -> float:
        """The current pace in frames per second."""
        return self._config.rate(self._speaking)

    @property
    def interval(self) -> float:
        """Seconds between frames at the current pace."""
        return 1.0 / self.rate

    def set_user_speaking(self, speaking: bool) -> None:
        """Feed the user's speaking state (from local or server voice activity)."""
        self._speaking = speaking

    def reconfigure(self, config: PacingConfig) -> None:
        """Change the pace; the next frame is due one new interval after the last one taken."""
        self._config = config

    def due_in(self) -> float:
        """Seconds until the next frame may be taken; 0 when one is due now (the first is due at once)."""
        if self._last_taken is None:
            return 0.0
        return max(0.0, self._last_taken + self.interval - self._clock.now())

    def mark_sent(self) -> None:
        """Record that a frame was taken for sending now."""
        self._last_taken = self._clock.now()

    def reset(self) -> None:
        """Forget the last frame (e.g. after resuming), so the next frame is due at once."""
        self._last_taken = None
