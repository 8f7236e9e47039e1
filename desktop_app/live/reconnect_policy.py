"""The knobs of seamless reconnection (:class:`ReconnectPolicy`), in one frozen value.

The policy core (:mod:`desktop_app.live.reconnect`) and the shell (:mod:`desktop_app.live.resilient_session`)
read them; nothing here decides anything except the backoff delay.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["ReconnectPolicy"]


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """The knobs of seamless reconnection. The defaults suit a desktop voice session.

    Failures and backoff:
        max_failures: retryable failures in a row before giving up (the cap).
        backoff_base_s: delay before the 2nd retry; doubles per further failure (the 1st retry is at once).
        backoff_max_s: the longest delay between retries.
        jitter: the fraction of each delay that is random (0 = none, 0.5 = between 50 % and 100 %).
        stable_after_s: a connection that stayed up this long resets the failure count.
        retry_first_connect: also retry when the very first connection fails (else it raises at once,
            so the user hears about a wrong key or an unreachable backend without delay).
        connect_timeout_s: a connection attempt that takes longer counts as a retryable failure.
        send_timeout_s: a send that takes longer means the network is gone without a word (the socket
            stopped draining); the connection counts as lost and is replaced at once.
        close_timeout_s: how long closing the old socket may take before it is given up on.

    goAway:
        go_away_margin_s: reconnect at the latest this long before the announced cut.
        default_time_left_s: assumed time left when ``goAway`` does not say.
        quiet_hold_s: the user counts as silent after this long without a loud microphone block.
        speech_level_dbfs: a microphone block louder than this counts as speech.
        reply_wait_s: after the user's turn ended, a reply counts as awaited for at most this long.

    Buffers during the gap (see :mod:`.resilient_buffer`):
        audio_buffer_s: microphone audio kept for replay and sent after the reconnect (drop oldest).
        preroll_s: silence kept before speech in that buffer.
        max_buffered_texts: typed turns kept during the gap (drop oldest).

    Context for fresh sessions:
        context_max_chars: at most this much recent transcript goes into the seeded system instruction.
        context_max_entries: at most this many user/model entries are kept.
    """

    max_failures: int = 5
    backoff_base_s: float = 0.25
    backoff_max_s: float = 4.0
    jitter: float = 0.5
    stable_after_s: float = 30.0
    retry_first_connect: bool = False
    connect_timeout_s: float = 10.0
    send_timeout_s: float = 3.0
    close_timeout_s: float = 1.0
    go_away_margin_s: float = 2.0
    default_time_left_s: float = 10.0
    quiet_hold_s: float = 0.3
    speech_level_dbfs: float = -45.0
    reply_wait_s: float = 8.0
    audio_buffer_s: float = 5.0
    preroll_s: float = 0.5
    max_buffered_texts: int = 16
    context_max_chars: int = 4000
    context_max_entries: int = 40

    def __post_init__(self) -> None:
        if self.max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be between 0 and 1")
        if self.audio_buffer_s <= 0 or self.preroll_s < 0:
            raise ValueError("audio_buffer_s must be > 0 and preroll_s >= 0")
        for name in ("backoff_base_s", "backoff_max_s", "stable_after_s", "go_away_margin_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")

    def backoff_s(self, failures: int, rng: random.Random) -> float:
        """The delay before retrying after the ``failures``-th failure in a row (1-based)."""
        if failures <= 1:
            return 0.0
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2.0 ** (failures - 2))
        return ceiling * (1.0 - self.jitter * rng.random())
