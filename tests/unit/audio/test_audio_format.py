"""The one float ⇄ PCM16 conversion in core/audio_format.py."""

from __future__ import annotations

import numpy as np

from desktop_app.core.audio_format import float_to_pcm16, pcm16_to_float, to_pcm16


def test_float_to_pcm16_clamps_full_scale_and_beyond() -> None:
    out = to_pcm16(np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0], dtype=np.float32))
    assert out.dtype == np.int16
    assert out.tolist() == [-32768, -32768, 0, 16384, 32767, 32767]


def test_bytes_and_array_forms_agree_and_round_trip_exactly() -> None:
    ints = np.arange(-32768, 32768, 7, dtype=np.int16)
    as_bytes = ints.astype("<i2").tobytes()
    floats = pcm16_to_float(as_bytes)
    assert floats.dtype == np.float32
    assert np.array_equal(floats, pcm16_to_float(ints))
    assert np.array_equal(to_pcm16(floats), ints)
    assert float_to_pcm16(floats) == as_bytes


def test_the_in_place_form_writes_what_to_pcm16_returns() -> None:
    from desktop_app.core.audio_format import to_pcm16_into

    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-1.5, 1.5, 997), [1.0, -1.0, 0.99999, -0.99999, 0.0]]).astype(np.float32)
    out = np.full(len(x), 7, np.int16)
    to_pcm16_into(x.copy(), out)
    assert np.array_equal(out, to_pcm16(x))


def test_the_in_place_decode_writes_what_pcm16_to_float_returns() -> None:
    from desktop_app.core.audio_format import pcm16_to_float_into

    pcm = np.array([-32768, -1, 0, 1, 12345, 32767], np.int16)
    out = np.full(len(pcm), 9.0, np.float32)
    pcm16_to_float_into(pcm, out)
    assert np.array_equal(out, pcm16_to_float(pcm))
