"""The speaker's jitter buffer: prefill, underflow zeros and counts, adaptive prefill, interrupt/fade."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.audio.jitter_buffer import BufferState, JitterBuffer, JitterConfig

RATE = 1000  # 1 frame = 1 ms keeps the arithmetic readable
BLOCK = 10


def make(**kw: float) -> JitterBuffer:
    return JitterBuffer(JitterConfig(rate=RATE, **kw))  # type: ignore[arg-type]


def ramp(n: int, start: float = 0.0) -> np.ndarray:
    return (start + np.arange(n, dtype=np.float32)) / 10_000.0 + 0.1


def read(jb: JitterBuffer, n: int = BLOCK) -> tuple[np.ndarray, object]:
    out = np.full(n, 99.0, dtype=np.float32)  # garbage: every sample must be overwritten
    res = jb.read_into(out)
    return out, res


def test_idle_buffer_writes_silence_and_counts_nothing() -> None:
    jb = make()
    out, _res = read(jb)
    assert np.all(out == 0.0)
    assert jb.state is BufferState.IDLE
    assert jb.underruns == 0 and jb.underrun_frames == 0


def test_prefill_holds_audio_until_reached_then_plays_in_order() -> None:
    jb = make(prefill_ms=40)
    data = ramp(30)
    jb.write(data)
    assert jb.state is BufferState.BUFFERING
    out, _ = read(jb)
    assert np.all(out == 0.0), "less than the prefill is buffered: still silent"
    jb.write(ramp(30, 30))
    out, res = read(jb)
    assert jb.state is BufferState.PLAYING
    assert np.array_equal(out, ramp(BLOCK))
    assert res.turn_started_at == 0  # type: ignore[attr-defined]
    out, res = read(jb)
    assert np.array_equal(out, ramp(BLOCK, BLOCK))
    assert res.turn_started_at == -1  # type: ignore[attr-defined]


def test_a_turn_shorter_than_the_prefill_still_plays_after_waiting_one_prefill() -> None:
    jb = make(prefill_ms=40)
    jb.write(ramp(15))
    outs = [read(jb)[0] for _ in range(6)]
    played = np.concatenate(outs)
    nonzero = np.flatnonzero(played)
    assert len(nonzero) == 15
    assert nonzero[0] == 40, "it waited exactly one prefill before starting"
    assert np.array_equal(played[40:55], ramp(15))
    assert jb.underruns == 0, "the end of a turn is not an underrun"


def test_underflow_mid_turn_writes_zeros_counts_and_grows_the_prefill() -> None:
    jb = make(prefill_ms=20, prefill_step_ms=20, max_prefill_ms=100, gap_ms=500)
    jb.write(ramp(25))
    _out1, _ = read(jb)
    _out2, _ = read(jb)
    out3, res3 = read(jb)  # 5 real frames, then 5 zeros
    assert np.array_equal(out3[:5], ramp(5, 20)) and np.all(out3[5:] == 0.0)
    assert res3.drained  # type: ignore[attr-defined]
    assert jb.state is BufferState.STARVED
    read(jb)  # 10 more zeros while starved
    assert jb.underruns == 0, "not an underrun until more audio of the same turn arrives"
    jb.write(ramp(100, 25))
    assert jb.underruns == 1
    assert jb.underrun_frames == 15
    assert jb.prefill_frames == 40, "prefill adapted upward after the underrun"
    assert jb.state is BufferState.BUFFERING


def test_prefill_is_capped_and_decays_back_after_a_long_clean_stretch() -> None:
    jb = make(prefill_ms=10, prefill_step_ms=30, max_prefill_ms=50, gap_ms=1000, decay_after_s=0.2)
    for _ in range(3):  # three underruns: 10 -> 40 -> 50 (capped) -> 50
        jb.write(ramp(10))
        while jb.state is not BufferState.STARVED:
            read(jb)
        read(jb)
    jb.write(ramp(10))
    assert jb.underruns == 3
    assert jb.prefill_frames == 50
    jb.write(ramp(400))
    for _ in range(25):  # 250 frames played: one decay period (200), not two
        read(jb)
    assert jb.prefill_frames == 20, "200 played frames without an underrun: one step back (50 - 30)"
    assert jb.prefill_frames >= jb.base_prefill_frames


def test_a_gap_longer_than_gap_ms_is_a_new_turn_not_an_underrun() -> None:
    jb = make(prefill_ms=10, gap_ms=50)
    jb.write(ramp(10))
    for _ in range(8):
        read(jb)
    assert jb.state is BufferState.IDLE
    jb.write(ramp(10))
    assert jb.underruns == 0
    assert jb.turns == 2


def test_interrupt_fades_then_silences_within_one_block_and_drops_the_rest() -> None:
    jb = make(prefill_ms=0, fade_ms=4)
    jb.write(np.full(1000, 0.5, dtype=np.float32))
    read(jb)
    jb.interrupt()
    assert jb.queued_frames == 4, "only the fade tail survives"
    out, res = read(jb)
    assert res.silent_at == 4  # type: ignore[attr-defined]
    fade = out[:4]
    assert np.all(np.diff(fade) < 0) and fade[0] < 0.5 and fade[-1] == 0.0
    assert np.all(out[4:] == 0.0)
    out, _ = read(jb)
    assert np.all(out == 0.0)
    assert jb.state is BufferState.IDLE


def test_interrupt_when_nothing_plays_reports_silence_at_once() -> None:
    jb = make(prefill_ms=40)
    jb.write(ramp(10))  # still buffering: nothing audible
    jb.interrupt()
    out, res = read(jb)
    assert res.silent_at == 0  # type: ignore[attr-defined]
    assert np.all(out == 0.0)


def test_audio_after_an_interrupt_is_a_new_turn() -> None:
    jb = make(prefill_ms=0, fade_ms=2)
    jb.write(np.full(100, 0.5, dtype=np.float32))
    read(jb)
    jb.interrupt()
    jb.write(ramp(20))
    out, res = read(jb)
    assert np.allclose(out[:2], [0.25, 0.0]), "the old turn's 2-frame fade, ending at zero"
    assert res.turn_started_at == 2  # type: ignore[attr-defined]
    assert np.array_equal(out[2:], ramp(8))
    assert jb.turns == 2


def test_overflow_keeps_what_fits_and_counts_the_rest() -> None:
    jb = make(capacity_s=0.05)
    kept = jb.write(ramp(80))
    assert kept == 50
    assert jb.overflow_frames == 30
    assert jb.queued_frames == 50


@pytest.mark.parametrize("block", [1, 7, 10, 64])
def test_every_written_sample_comes_out_once_and_in_order(block: int) -> None:
    jb = make(prefill_ms=5)
    data = ramp(300)
    for i in range(0, 300, 37):
        jb.write(data[i : i + 37])
    out = np.concatenate([read(jb, block)[0] for _ in range(400 // block + 2)])
    played = out[out != 0.0]
    assert np.array_equal(played, data)
