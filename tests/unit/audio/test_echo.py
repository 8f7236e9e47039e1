"""The echo canceller on a synthetic echo path, dated the way the device shells date real blocks."""

from __future__ import annotations

import numpy as np
import soxr

from desktop_app.audio.echo import EchoCanceller, EchoSettings
from desktop_app.core.audio_format import pcm16_to_float, to_pcm16

RATE = 16_000
OUT_RATE = 24_000
BLOCK = 320  # 20 ms at 16 kHz


def speechy(seconds: float, rate: int, seed: int) -> np.ndarray:
    """Random noise in syllable-like bursts: broadband like speech and, unlike a tone, never predictable
    from its own past (so a canceller cannot cheat with a late reference)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    envelope = np.clip(np.sin(2 * np.pi * 3.1 * t + rng.uniform(0, 6)), 0, None) ** 0.5
    noise = np.cumsum(rng.standard_normal(n)) * 0.02  # brown-ish: more low than high, as in speech
    noise -= np.convolve(noise, np.ones(64) / 64, mode="same")  # no DC wander
    return (0.3 * envelope * noise / (np.std(noise) + 1e-9)).astype(np.float32)


def db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-20))


def run(
    canceller: EchoCanceller, near_end: np.ndarray | None, seconds: float = 8.0, echo_delay: float = 0.060
) -> tuple[np.ndarray, np.ndarray]:
    """Play far-end speech at 24 kHz, hear it back `echo_delay` later at 16 kHz; return (raw, processed)."""
    far24 = speechy(seconds, OUT_RATE, seed=1)
    far16 = soxr.resample(far24, OUT_RATE, RATE).astype(np.float32)  # the same signal at 16 kHz
    lag = int(echo_delay * RATE)
    echo = np.concatenate([np.zeros(lag, np.float32), 0.5 * far16[:-lag]])
    mic = echo + (near_end if near_end is not None else 0.0)
    t0 = 100.0  # an arbitrary monotonic origin
    out_block = OUT_RATE // 100
    raw, processed = [], []
    played = 0
    for i in range(0, len(mic) - BLOCK + 1, BLOCK):
        adc_time = t0 + i / RATE
        # The speaker runs ahead of the microphone: everything due at the DAC up to now + 30 ms is written.
        while played < len(far24) and t0 + played / OUT_RATE < adc_time + 0.050:
            canceller.push_render(far24[played : played + out_block], OUT_RATE, t0 + played / OUT_RATE)
            played += out_block
        pcm = to_pcm16(mic[i : i + BLOCK])
        raw.append(pcm)
        processed.append(canceller.process(pcm, adc_time))
    return pcm16_to_float(np.concatenate(raw)), pcm16_to_float(np.concatenate(processed))


def test_far_end_echo_is_cancelled_by_more_than_20_db() -> None:
    canceller = EchoCanceller(EchoSettings())
    raw, out = run(canceller, near_end=None)
    converged = slice(3 * RATE, None)
    erle = db(raw[converged]) - db(out[converged])
    assert erle > 20.0, f"ERLE {erle:.1f} dB"
    assert canceller.timeline.resyncs == 0


def test_near_end_speech_passes_during_double_talk() -> None:
    seconds = 8.0
    near = np.zeros(int(seconds * RATE), np.float32)
    talk = slice(5 * RATE, 7 * RATE)
    near[talk] = speechy(2.0, RATE, seed=7)
    canceller = EchoCanceller(EchoSettings())
    _raw, out = run(canceller, near_end=near, seconds=seconds)
    echo_only = slice(3 * RATE, 5 * RATE)
    residual_echo = db(out[echo_only])
    near_out = db(out[talk])
    # AEC3 ducks double talk by 2–18 dB per 250 ms on this worst case (both talkers the same noise
    # spectrum); over the whole stretch the user must keep most of their level.
    assert near_out - db(near[talk]) > -10.0, "the user's voice keeps most of its level"
    assert near_out - residual_echo > 20.0, "and stands far above what is left of the echo"


def test_the_lead_keeps_the_reference_ahead_of_a_short_echo_path() -> None:
    """With a 2 ms echo path, pairing 10 ms ahead cancels; pairing 10 ms behind (a late reference) fails."""
    ahead = EchoCanceller(EchoSettings(lead_ms=10))
    raw, out = run(ahead, near_end=None, echo_delay=0.002)
    assert db(raw[3 * RATE :]) - db(out[3 * RATE :]) > 20.0
    behind = EchoCanceller(EchoSettings(lead_ms=-10))
    raw, out = run(behind, near_end=None, echo_delay=0.002)
    assert db(raw[3 * RATE :]) - db(out[3 * RATE :]) < 12.0


def test_headphones_pass_audio_through_untouched() -> None:
    canceller = EchoCanceller(EchoSettings(headphones=True))
    assert not canceller.enabled
    pcm = to_pcm16(speechy(0.02, RATE, 3))
    canceller.push_render(np.ones(240, np.float32), OUT_RATE, 1.0)
    assert np.array_equal(canceller.process(pcm, 1.0), pcm)


def test_noise_suppression_alone_runs_without_a_reference() -> None:
    canceller = EchoCanceller(EchoSettings(headphones=True, noise_suppression=True, ns_level=3))
    assert canceller.enabled
    rng = np.random.default_rng(0)
    noise = to_pcm16(rng.standard_normal(RATE * 3) * 0.05)
    out = np.concatenate(
        [canceller.process(noise[i : i + BLOCK], i / RATE) for i in range(0, len(noise), BLOCK)]
    )
    assert db(pcm16_to_float(out[RATE:])) < db(pcm16_to_float(noise[RATE:])) - 10.0, (
        "steady noise is suppressed"
    )


def test_process_first_takes_the_render_blocks_still_queued_by_the_speaker() -> None:
    """The speaker's callback queues written blocks for the canceller; a mic block processed before the
    canceller took them must still get its own reference, not a late read that moves the reference."""
    far24 = speechy(0.5, OUT_RATE, seed=3)
    out_block = OUT_RATE // 100
    blocks = [
        (far24[i : i + out_block], OUT_RATE, 100.0 + i / OUT_RATE) for i in range(0, len(far24), out_block)
    ]

    def late_reads(handed_off: bool) -> int:
        canceller = EchoCanceller(EchoSettings())
        for block in blocks[:10]:  # 100 ms already on the timeline
            canceller.push_render(*block)
        if (
            handed_off
        ):  # 400 ms written by the callback (written 30 ms before the DAC plays it), not yet taken
            for samples, rate, dac in blocks[10:]:
                canceller.render_written(dac - 0.03, dac - 0.03, dac, samples, rate)
        canceller.process(np.zeros(BLOCK, np.int16), 100.200)
        return canceller.timeline.late_reads

    assert late_reads(handed_off=False) == 1, "the reference was not there yet"
    assert late_reads(handed_off=True) == 0


def test_the_render_queue_is_bounded_and_drops_the_oldest_blocks() -> None:
    canceller = EchoCanceller(EchoSettings(), render_queue_blocks=5)
    block = np.zeros(240, np.float32)
    for i in range(8):  # nobody processes a mic block meanwhile
        canceller.render_written(100.0 + i / 100, 100.0 + i / 100, 100.03 + i / 100, block, OUT_RATE)
    assert canceller.render_drops == 3
    canceller.process(np.zeros(BLOCK, np.int16), 100.05)
    newest_five = EchoCanceller(EchoSettings())
    for i in range(3, 8):
        newest_five.push_render(block, OUT_RATE, 100.03 + i / 100)
    assert canceller.timeline.written == newest_five.timeline.written > 0
    assert canceller.timeline.time_of(0) == newest_five.timeline.time_of(0), "dated from the 4th block on"


def test_with_headphones_the_speaker_hands_nothing_off() -> None:
    canceller = EchoCanceller(EchoSettings(headphones=True, noise_suppression=True))
    assert canceller.enabled and not canceller.wants_render
    canceller.render_written(1.0, 1.0, 1.03, np.ones(240, np.float32), OUT_RATE)
    canceller.process(np.zeros(BLOCK, np.int16), 1.0)
    assert canceller.timeline.written == 0 and canceller.render_drops == 0
