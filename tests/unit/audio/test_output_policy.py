"""The speaker buffer policy: climb the ladder on underflows, come back down after a clean stretch."""

from __future__ import annotations

import pytest

from desktop_app.audio.output_policy import OutputPolicy, OutputPolicyConfig, PolicyState

CFG = OutputPolicyConfig(
    ladder=(0.010, 0.015, 0.030),
    start_level=0,
    raise_after=2,
    urgent_after=4,
    window_s=10.0,
    settle_s=1.0,
    relax_after_s=100.0,
    max_relax_s=300.0,
)


def settled(now: float = 0.0) -> OutputPolicy:
    policy = OutputPolicy(CFG)
    policy.opened(now, 0)
    assert policy.observe(now + 1.0, 0, idle=True) is None
    assert policy.state is PolicyState.STEADY
    return policy


def test_starts_on_the_smallest_rung_and_ignores_the_start_up_burst() -> None:
    policy = OutputPolicy(CFG)
    assert policy.latency == 0.010
    policy.opened(0.0, 0)
    assert policy.observe(0.5, 5, idle=True) is None, "underflows while settling are not counted"
    assert policy.observe(1.5, 5, idle=True) is None
    assert policy.state is PolicyState.STEADY and policy.raises == 0


def test_one_underflow_is_tolerated_two_within_the_window_raise_at_the_next_idle_moment() -> None:
    policy = settled()
    assert policy.observe(2.0, 1, idle=False) is None
    assert policy.observe(5.0, 2, idle=False) is None, "a reply is playing: wait"
    assert policy.state is PolicyState.RAISE
    assert policy.observe(6.0, 2, idle=True) == 0.015
    assert policy.raises == 1 and policy.state is PolicyState.SETTLING
    policy.opened(6.5, 2)
    assert policy.observe(9.0, 3, idle=True) is None
    assert policy.underflows_since_open == 1
    assert [(t, latency) for t, latency, _ in policy.history] == [(0.0, 0.010), (6.5, 0.015)]


def test_underflows_further_apart_than_the_window_do_not_raise() -> None:
    policy = settled()
    assert policy.observe(2.0, 1, idle=True) is None
    assert policy.observe(13.0, 2, idle=True) is None
    assert policy.state is PolicyState.STEADY and policy.level == 0


def test_underflows_that_keep_coming_raise_at_once_even_mid_reply() -> None:
    policy = settled()
    assert policy.observe(2.0, 2, idle=False) is None
    assert policy.observe(3.0, 4, idle=False) == 0.015


def test_the_top_rung_stays() -> None:
    policy = OutputPolicy(
        OutputPolicyConfig(ladder=(0.010,), start_level=0, raise_after=1, urgent_after=1, settle_s=0)
    )
    policy.opened(0.0, 0)
    assert policy.observe(1.0, 50, idle=True) is None
    assert policy.level == 0


def test_a_clean_stretch_lowers_one_rung_when_idle_and_a_relapse_doubles_the_wait() -> None:
    policy = settled()
    assert policy.observe(2.0, 2, idle=True) == 0.015
    policy.opened(2.0, 2)
    assert policy.observe(50.0, 2, idle=True) is None
    assert policy.observe(103.0, 2, idle=False) is None, "not while a reply plays"
    assert policy.state is PolicyState.LOWER
    assert policy.observe(104.0, 2, idle=True) == 0.010
    policy.opened(104.0, 2)
    assert policy.observe(105.5, 2, idle=True) is None
    assert policy.observe(106.0, 3, idle=True) is None
    assert policy.observe(107.0, 4, idle=True) == 0.015, "it failed again on the lower rung"
    policy.opened(107.0, 4)
    assert policy.observe(209.0, 4, idle=True) is None, "100 s is no longer enough"
    assert policy.observe(309.0, 4, idle=True) == 0.010
    assert (policy.raises, policy.lowers) == (2, 2)


def test_an_underflow_before_the_idle_moment_cancels_a_lowering() -> None:
    policy = settled()
    assert policy.observe(2.0, 2, idle=True) == 0.015
    policy.opened(2.0, 2)
    assert policy.observe(200.0, 2, idle=False) is None
    assert policy.state is PolicyState.LOWER
    assert policy.observe(201.0, 3, idle=True) is None
    assert policy.state is PolicyState.STEADY and policy.level == 1


def test_a_failed_reopen_goes_back_to_the_old_rung() -> None:
    policy = settled()
    assert policy.observe(2.0, 2, idle=True) == 0.015
    policy.reopen_failed()
    assert policy.level == 0 and policy.latency == 0.010 and policy.state is PolicyState.STEADY


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ladder": ()},
        {"ladder": (0.03, 0.01)},
        {"ladder": (0.01,), "start_level": 1},
        {"raise_after": 3, "urgent_after": 2},
    ],
)
def test_bad_configs_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        OutputPolicyConfig(**kwargs)  # type: ignore[arg-type]


def test_the_shipped_ladder_starts_on_20_ms_and_may_step_down_to_10() -> None:
    """The default opens at 20 ms (10 ms storms on a loaded PulseAudio, see OutputPolicyConfig), and a
    clean stretch lowers it a rung at a time to the 10 ms floor."""
    cfg = OutputPolicyConfig()
    assert cfg.ladder[cfg.start_level] == 0.020
    assert cfg.ladder[0] == 0.010
