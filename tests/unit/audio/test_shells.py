"""Capture and playback shells driven through a fake stream (the real ones are in tests/devices)."""

from __future__ import annotations

import asyncio
from functools import partial

import numpy as np
import pytest

from desktop_app.audio.capture import CaptureConfig, MicCapture
from desktop_app.audio.output_policy import OutputPolicyConfig
from desktop_app.audio.playback import PlaybackConfig, SpeakerPlayback
from desktop_app.audio.streams import ShellWiring
from desktop_app.core.audio_format import MIC_FORMAT, float_to_pcm16
from desktop_app.core.errors import ConfigError, MediaError
from desktop_app.core.events import ErrorEvent, Event, MicAudio, ModelAudio

from .fake_stream import FakeStream


def open_mic(
    loop: asyncio.AbstractEventLoop, events: list[Event], **cfg: object
) -> tuple[MicCapture, FakeStream]:
    FakeStream.instances.clear()
    fail = cfg.pop("fail_rates", ())
    mic = MicCapture(
        CaptureConfig(device_name="fake mic", **cfg),  # type: ignore[arg-type]
        loop,
        ShellWiring(on_event=events.append, stream_factory=partial(FakeStream, fail_rates=fail)),
    )
    mic.start()
    return mic, FakeStream.instances[-1]


async def take(it: object, n: int) -> list[MicAudio]:
    got: list[MicAudio] = []
    async with asyncio.timeout(5):
        async for block in it:  # type: ignore[attr-defined]
            got.append(block)
            if len(got) == n:
                break
    return got


async def test_capture_resamples_to_16k_blocks_of_the_configured_size() -> None:
    events: list[Event] = []
    mic, stream = open_mic(asyncio.get_running_loop(), events, rate=48_000, block_ms=20)
    assert (stream.samplerate, stream.blocksize) == (48_000, 960)
    t = np.arange(48_000) / 48_000
    x = 0.5 * np.sin(2 * np.pi * 1000 * t)
    for i in range(25):
        stream.capture(x[i * 960 : (i + 1) * 960], now=10.0 + i * 0.02)
    it = mic.blocks()
    blocks = await take(it, 20)
    assert all(b.fmt == MIC_FORMAT and len(b.pcm) == 640 for b in blocks)
    assert [b.captured_at for b in blocks] == sorted(b.captured_at for b in blocks)
    assert mic.counters().blocks_captured == 25
    await mic.aclose()
    assert stream.closed and not events


async def test_a_stalled_consumer_loses_the_oldest_blocks_and_they_are_counted() -> None:
    events: list[Event] = []
    mic, stream = open_mic(asyncio.get_running_loop(), events, rate=16_000, block_ms=20, queue_ms=100)
    for i in range(8):  # queue holds 5 blocks; the consumer is not reading
        stream.capture(np.full(320, (i + 1) / 100, dtype=np.float32), now=1.0 + i * 0.02)
    assert mic.drops == 3
    blocks = await take(mic.blocks(), 5)
    firsts = [np.frombuffer(b.pcm, "<i2")[0] for b in blocks]
    assert firsts == [np.frombuffer(float_to_pcm16(np.array([(i + 1) / 100])), "<i2")[0] for i in range(3, 8)]
    assert mic.counters().drops == 3
    await mic.aclose()


async def test_overflows_are_counted() -> None:
    mic, stream = open_mic(asyncio.get_running_loop(), [], rate=16_000)
    stream.capture(np.zeros(320, np.float32), now=1.0, overflow=True)
    stream.capture(np.zeros(320, np.float32), now=1.02)
    assert mic.counters().overflows == 1
    await mic.aclose()


async def test_a_rate_the_device_refuses_falls_back_to_another() -> None:
    mic, stream = open_mic(asyncio.get_running_loop(), [], rate=None, fail_rates=(44_100, 48_000))
    assert stream.samplerate == 32_000
    await mic.aclose()


async def test_an_explicit_rate_the_device_refuses_is_a_media_error() -> None:
    with pytest.raises(MediaError, match=r"microphone 'fake mic' could not be opened.*-9997"):
        open_mic(asyncio.get_running_loop(), [], rate=16_000, fail_rates=(16_000,))


def test_block_size_must_be_10_to_100_ms_in_10_ms_steps() -> None:
    for bad in (5, 25, 110):
        with pytest.raises(ConfigError):
            CaptureConfig(block_ms=bad)
    assert CaptureConfig(block_ms=100).block_ms == 100


async def test_a_failing_input_stream_publishes_one_error_and_blocks_keep_waiting() -> None:
    events: list[Event] = []
    mic, stream = open_mic(asyncio.get_running_loop(), events, rate=16_000)
    consumer = asyncio.create_task(take(mic.blocks(), 1))
    stream.fail()
    async with asyncio.timeout(5):
        assert not await mic.wait_ready(5), "wait_ready returns (False) as soon as the device failed"
    assert len(events) == 1
    err = events[0]
    assert isinstance(err, ErrorEvent) and err.code == "audio_input"
    assert "fake mic" in err.message and "Typed messages still work" in err.message
    assert not consumer.done(), "the source does not end: the session goes on"
    await mic.aclose()
    async with asyncio.timeout(5):
        assert await consumer == []


def open_speaker(
    loop: asyncio.AbstractEventLoop, events: list[Event], **cfg: object
) -> tuple[SpeakerPlayback, FakeStream]:
    FakeStream.instances.clear()
    sp = SpeakerPlayback(
        PlaybackConfig(device_name="fake speaker", **cfg),  # type: ignore[arg-type]
        loop,
        ShellWiring(on_event=events.append, stream_factory=FakeStream),
    )
    sp.start()
    return sp, FakeStream.instances[-1]


def pcm_const(value: float, ms: int, rate: int = 24_000) -> bytes:
    return float_to_pcm16(np.full(rate * ms // 1000, value, dtype=np.float32))


async def test_playback_prefills_plays_and_records_turn_timing() -> None:
    sp, stream = open_speaker(asyncio.get_running_loop(), [], prefill_ms=20)
    assert (stream.samplerate, stream.blocksize) == (24_000, 120), "24 kHz taken as is, 5 ms blocks"
    assert np.all(stream.render() == 0.0), "idle: silence"
    sp.play(ModelAudio(pcm_const(0.5, 30)))
    out = stream.render(now=5.0)
    assert np.allclose(out, 0.5, atol=1e-4)
    await sp.wait_for(lambda: sp.last_turn is not None, 5)
    assert sp.last_turn is not None and sp.last_turn.written_at >= sp.last_turn.asked_at
    assert sp.last_turn.dac_at > sp.last_turn.written_at
    await sp.aclose()


async def test_volume_scales_the_output_after_a_one_block_ramp() -> None:
    sp, stream = open_speaker(asyncio.get_running_loop(), [], prefill_ms=0)
    sp.play(ModelAudio(pcm_const(0.5, 100)))
    sp.volume = 0.5
    ramped = stream.render()
    assert ramped[0] == pytest.approx(0.5, abs=1e-3) and ramped[-1] == pytest.approx(0.25, abs=1e-3)
    assert np.allclose(stream.render(), 0.25, atol=1e-3)
    sp.volume = 7.0
    assert sp.volume == 2.0, "clamped"
    await sp.aclose()


def assert_a_fade_not_a_click(out: np.ndarray, level: float, rate: int, max_ms: float = 5.0) -> None:
    """``out`` starts at ``level`` and falls to silence within ``max_ms``, in steps no bigger than a
    straight ramp over 2 ms would take (a click is one step from ``level`` to 0)."""
    nonzero = np.flatnonzero(out)
    assert len(nonzero) > 0 and nonzero[-1] + 1 <= rate * max_ms / 1000, "silent within max_ms"
    ramp = out[: nonzero[-1] + 2]
    assert np.all(np.diff(ramp) <= 0), "the level only falls"
    assert np.max(np.abs(np.diff(np.concatenate([[level], ramp])))) <= level / (rate * 0.002), "no step"
    assert np.all(out[nonzero[-1] + 1 :] == 0.0)


async def test_interrupt_fades_within_one_block_and_drops_the_queue() -> None:
    sp, stream = open_speaker(asyncio.get_running_loop(), [], prefill_ms=0, fade_ms=4)
    sp.play(ModelAudio(pcm_const(0.5, 2000)))
    stream.render()
    sp.interrupt()
    out = stream.render()
    assert 0.0 < out[0] < 0.5 and np.all(out[96:] == 0.0), "4 ms fade at 24 kHz = 96 samples, then silence"
    assert_a_fade_not_a_click(out, 0.5, 24_000)
    assert np.all(stream.render() == 0.0), "the rest of the 2 s reply is gone"
    await sp.wait_for(lambda: sp.last_interrupt is not None, 5)
    assert sp.last_interrupt is not None
    assert sp.last_interrupt.written_at >= sp.last_interrupt.asked_at
    await sp.aclose()


async def test_closing_mid_reply_fades_out_before_the_stream_stops() -> None:
    sp, stream = open_speaker(asyncio.get_running_loop(), [], prefill_ms=0, fade_ms=4)
    sp.play(ModelAudio(pcm_const(0.5, 2000)))
    assert np.allclose(stream.render(), 0.5, atol=1e-4)
    closing = asyncio.create_task(sp.aclose())
    await asyncio.sleep(0)  # one turn of the loop: aclose has begun its fade
    assert stream.started, "not stopped before the fade was written"
    out = np.concatenate([stream.render() for _ in range(2)])
    assert_a_fade_not_a_click(out, 0.5, 24_000)
    async with asyncio.timeout(5):
        await closing
    assert stream.closed


async def test_underflows_reopen_the_speaker_with_a_bigger_buffer_without_an_error() -> None:
    events: list[Event] = []
    policy = OutputPolicyConfig(
        ladder=(0.010, 0.030), start_level=0, raise_after=2, urgent_after=3, settle_s=0.0
    )
    sp, stream = open_speaker(asyncio.get_running_loop(), events, prefill_ms=0, policy=policy)
    assert stream.kwargs["latency"] == 0.010, "the smallest rung first"
    sp.play(ModelAudio(pcm_const(0.5, 2000)))
    for _ in range(3):
        stream.render(underflow=True)
    await sp.wait_for(lambda: len(FakeStream.instances) == 2, 5)
    new = FakeStream.instances[-1]
    assert stream.closed and new.started and new.kwargs["latency"] == 0.030
    assert (new.samplerate, new.channels) == (stream.samplerate, stream.channels)
    stream.fail()  # PortAudio reports the old stream finished: that was us, not a lost device
    assert np.allclose(new.render(), 0.5, atol=1e-4), "the reply goes on from the jitter buffer"
    counters = sp.counters()
    assert (counters.output_underflows, counters.output_buffer_changes) == (3, 1)
    assert counters.output_buffer_ms == new.latency * 1000
    later = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_soon_threadsafe(later.set_result, None)
    await later
    assert events == [] and sp.error is None
    sp.interrupt()
    await sp.aclose()


async def test_a_fixed_latency_is_never_changed() -> None:
    sp, stream = open_speaker(asyncio.get_running_loop(), [], prefill_ms=0, latency=0.03)
    assert stream.kwargs["latency"] == 0.03 and sp.output_policy is None
    for _ in range(10):
        stream.render(underflow=True)
    await sp.wait_for(lambda: sp.counters().output_underflows == 10, 5)
    assert len(FakeStream.instances) == 1
    await sp.aclose()


async def test_a_device_at_48k_gets_resampled_audio() -> None:
    sp, stream = open_speaker(asyncio.get_running_loop(), [], rate=48_000, prefill_ms=0)
    assert stream.blocksize == 240
    t = np.arange(24_000) / 24_000
    sp.play(ModelAudio(float_to_pcm16(0.5 * np.sin(2 * np.pi * 1000 * t))))
    out = np.concatenate([stream.render() for _ in range(120)])[4800:]
    spectrum = np.abs(np.fft.rfft(out * np.hanning(len(out))))
    assert abs(np.fft.rfftfreq(len(out), 1 / 48_000)[np.argmax(spectrum)] - 1000) < 5
    await sp.aclose()


async def test_drain_returns_when_everything_was_written() -> None:
    sp, stream = open_speaker(asyncio.get_running_loop(), [], prefill_ms=0)
    sp.play(ModelAudio(pcm_const(0.5, 25)))
    drained = asyncio.create_task(sp.drain())
    for _ in range(5):  # 25 ms in 5 ms blocks
        await asyncio.sleep(0)
        assert not drained.done()
        stream.render()
    async with asyncio.timeout(5):
        await drained
    await sp.aclose()


async def test_a_failing_output_stream_publishes_an_error_and_playback_stops_cleanly() -> None:
    events: list[Event] = []
    sp, stream = open_speaker(asyncio.get_running_loop(), events)
    sp.play(ModelAudio(pcm_const(0.5, 500)))
    stream.fail()
    await sp.wait_for(lambda: sp.error is not None, 5)
    assert [type(e) for e in events] == [ErrorEvent]
    assert events[0].code == "audio_output"  # type: ignore[attr-defined]
    sp.play(ModelAudio(pcm_const(0.5, 500)))  # discarded, no exception
    async with asyncio.timeout(5):
        await sp.drain()  # returns at once
    await sp.aclose()


async def test_a_stream_the_app_closed_publishes_no_error_when_portaudio_reports_it_finished() -> None:
    loop = asyncio.get_running_loop()
    for open_device, rate in ((open_mic, 16_000), (open_speaker, 24_000)):
        events: list[Event] = []
        device, stream = open_device(loop, events, rate=rate)  # type: ignore[operator]
        await device.aclose()
        assert stream.closed and not stream.started
        stream.fail()  # PortAudio calls finished_callback after an abort too
        later = loop.create_future()
        loop.call_soon_threadsafe(later.set_result, None)  # runs after the finished callback's hand-off
        await later
        assert events == [] and device.error is None


async def test_a_stream_that_will_not_start_is_closed_and_a_media_error() -> None:
    events: list[Event] = []
    FakeStream.instances.clear()
    sp = SpeakerPlayback(
        PlaybackConfig(device_name="fake speaker"),
        asyncio.get_running_loop(),
        ShellWiring(on_event=events.append, stream_factory=partial(FakeStream, fail_start=True)),
    )
    with pytest.raises(MediaError, match=r"speaker 'fake speaker' could not be started.*-9985"):
        sp.start()
    assert FakeStream.instances[-1].closed and not events
    await sp.aclose()


async def test_silent_blocks_wake_the_loop_every_40_ms_and_a_turn_start_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    import desktop_app.audio.playback as playback_module

    clock = [64.0]
    monkeypatch.setattr(playback_module, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    sp, stream = open_speaker(asyncio.get_running_loop(), [], prefill_ms=0)
    wakes: list[bool] = []
    put = sp._written.put
    monkeypatch.setattr(sp._written, "put", lambda item, wake=True: (wakes.append(wake), put(item, wake)))
    for _ in range(16):  # 100 ms of silent blocks: three routine wake-ups, not sixteen
        stream.render()
        clock[0] += 0.00625  # exact in binary: 40 ms is 6.4 blocks
    assert wakes == [True] + [False] * 6 + [True] + [False] * 6 + [True, False]
    sp.play(ModelAudio(pcm_const(0.5, 30)))
    stream.render()
    assert wakes[-1] is True, "a turn's first block is timed at once"
    await sp.wait_for(lambda: sp.last_turn is not None, 5)
    await sp.aclose()
