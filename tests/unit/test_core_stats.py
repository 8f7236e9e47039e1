"""core.stats: the percentile used by the headless status line and the benchmarks."""

from __future__ import annotations

import pytest

from desktop_app.core.stats import percentile


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == pytest.approx(2.5)
    assert percentile([10.0, 20.0], 99) == pytest.approx(19.9)


def test_percentile_ends_are_min_and_max() -> None:
    values = [7.0, 3.0, 5.0]
    assert percentile(values, 0) == 3.0
    assert percentile(values, 100) == 7.0
    assert percentile([42.0], 99) == 42.0


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 50)
