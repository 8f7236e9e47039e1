"""The relay's token bucket: a burst at once, then the average rate; time passed in, never read."""

from __future__ import annotations

import pytest

from desktop_app.relay.ratelimit import TokenBucket


def test_full_burst_then_refill_at_the_rate() -> None:
    bucket = TokenBucket(rate_per_s=8.0, burst=4)  # times in binary fractions: exact arithmetic
    assert [bucket.take(5.0) for _ in range(5)] == [True, True, True, True, False]
    assert not bucket.take(5.0625)  # half a token
    assert bucket.take(5.125)
    assert not bucket.take(5.125)


def test_refill_never_exceeds_the_burst() -> None:
    bucket = TokenBucket(rate_per_s=100.0, burst=2)
    assert bucket.take(0.0)
    assert [bucket.take(1000.0) for _ in range(3)] == [True, True, False]


def test_time_going_backwards_adds_nothing() -> None:
    bucket = TokenBucket(rate_per_s=1.0, burst=1)
    assert bucket.take(10.0)
    assert not bucket.take(5.0)
    assert not bucket.take(10.5)  # still measured from 10.0
    assert bucket.take(11.0)


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (-1.0, 1), (1.0, 0)])
def test_nonsense_limits_are_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate, burst)
