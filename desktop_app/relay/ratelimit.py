"""A token bucket for one browser connection's inbound messages (sans-I/O: the caller passes the time).

Usage::

    bucket = TokenBucket(rate_per_s=200, burst=400)
    if not bucket.take(time.monotonic()):
        ...  # over the limit: answer and drop the message

The bucket starts full, so a connection may send ``burst`` messages at once; after that it refills at
``rate_per_s``. The caller must pass a monotonic clock; a time that goes backwards adds no tokens.
"""

from __future__ import annotations

__all__ = ["TokenBucket"]


class TokenBucket:
    """``rate_per_s`` messages per second on average, ``burst`` at once. Not thread-safe (one loop)."""

    def __init__(self, rate_per_s: float, burst: int) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s must be > 0 and burst >= 1")
        self._rate = rate_per_s
        self._burst = float(burst)
        self._tokens = float(burst)
        self._at: float | None = None

    def take(self, now: float) -> bool:
        """Spend one token at time ``now``; False (nothing spent) when the bucket is empty."""
        if self._at is not None and now > self._at:
            self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        if self._at is None or now > self._at:
            self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False
