from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.clock import FakeClock
from desktop_app.core.errors import ConfigError
from desktop_app.video.pacing import FramePacer, PacingConfig


def test_first_frame_is_due_at_once_then_one_per_interval() -> None:
    clock = FakeClock(100.0)
    pacer = FramePacer(PacingConfig(), clock)
    assert pacer.rate == 1.0
    assert pacer.due_in() == 0.0
    pacer.mark_sent()
    assert pacer.due_in() == pytest.approx(1.0)
    clock.advance(0.4)
    assert pacer.due_in() == pytest.approx(0.6)
    clock.advance(0.6)
    assert pacer.due_in() == 0.0


def test_speech_aware_switches_rates() -> None:
    clock = FakeClock()
    pacer = FramePacer(PacingConfig(speech_aware=True, speaking_fps=2.0, silent_fps=0.25), clock)
    assert pacer.rate == 0.25  # silent until told otherwise
    pacer.mark_sent()
    clock.advance(1.0)
    assert pacer.due_in() == pytest.approx(3.0)
    pacer.set_user_speaking(True)
    assert pacer.rate == 2.0
    assert pacer.due_in() == 0.0  # a second has passed: the faster pace makes a frame due now
    pacer.mark_sent()
    clock.advance(0.2)
    assert pacer.due_in() == pytest.approx(0.3)
    pacer.set_user_speaking(False)
    assert pacer.due_in() == pytest.approx(3.8)


def test_fps_ignored_when_speech_aware_and_vice_versa() -> None:
    cfg = PacingConfig(fps=0.5, speech_aware=False, speaking_fps=2.0, silent_fps=0.2)
    assert cfg.rate(True) == cfg.rate(False) == 0.5
    aware = PacingConfig(fps=0.5, speech_aware=True, speaking_fps=2.0, silent_fps=0.2)
    assert (aware.rate(True), aware.rate(False)) == (2.0, 0.2)


@pytest.mark.parametrize("field", ["fps", "speaking_fps", "silent_fps"])
@pytest.mark.parametrize("value", [0.1, 2.5, 0.0])
def test_rates_outside_the_offered_range_are_refused(field: str, value: float) -> None:
    with pytest.raises(ConfigError, match=r"between 0\.2 and 2\.0"):
        PacingConfig(**{field: value})  # type: ignore[arg-type]


def test_reset_makes_the_next_frame_due() -> None:
    clock = FakeClock()
    pacer = FramePacer(PacingConfig(fps=0.2), clock)
    pacer.mark_sent()
    assert pacer.due_in() == pytest.approx(5.0)
    pacer.reset()
    assert pacer.due_in() == 0.0


@given(
    steps=st.lists(
        st.tuples(st.floats(0.0, 3.0), st.booleans()),
        min_size=1,
        max_size=60,
    ),
    speaking_fps=st.floats(0.2, 2.0),
    silent_fps=st.floats(0.2, 2.0),
)
def test_frames_taken_when_due_are_never_closer_than_the_faster_interval(
    steps: list[tuple[float, bool]], speaking_fps: float, silent_fps: float
) -> None:
    """Whatever the timing and speech changes, a pump that only sends when due never exceeds max rate."""
    clock = FakeClock()
    pacer = FramePacer(
        PacingConfig(speech_aware=True, speaking_fps=speaking_fps, silent_fps=silent_fps), clock
    )
    taken: list[float] = []
    for advance, speaking in steps:
        clock.advance(advance)
        pacer.set_user_speaking(speaking)
        if pacer.due_in() == 0.0:
            pacer.mark_sent()
            taken.append(clock.now())
    min_interval = 1.0 / max(speaking_fps, silent_fps)
    gaps = [b - a for a, b in itertools.pairwise(taken)]
    assert all(g >= min_interval - 1e-9 for g in gaps)
    assert taken and taken[0] == steps[0][0]  # the first frame is never held back
