"""The whole loop on real devices: speech into the virtual microphone → MicCapture (with AEC) → the
conversation engine → the built-in emulator (which answers with the user's own utterance) →
SpeakerPlayback → recorded from the speaker sink's monitor."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
import soxr

from desktop_app.app import open_backend
from desktop_app.audio.factory import AudioOptions, open_audio
from desktop_app.config import Settings
from desktop_app.core.events import ErrorEvent, Event, Role, Transcript
from desktop_app.core.media_events import AudioLevels
from desktop_app.engine import Conversation
from desktop_app.live.options import SessionOptions
from tests.support.pulse_rig import PulseRig

from .conftest import read_wav
from .signals import envelope, record_more

pytestmark = [pytest.mark.devices, pytest.mark.timeout(90)]


async def test_speech_into_the_mic_comes_back_out_of_the_speaker(
    routed: PulseRig, near_speech_wav: Path
) -> None:
    events: list[Event] = []
    # The recorder attaches to the speaker sink's monitor first: a new monitor client changes the sink's
    # latency under an open 10 ms stream, which can set the ALSA plugin underflowing until the speaker's
    # buffer policy steps up (the harness's doing, not the loop's; see README, Performance).
    rec = routed.record_speaker()
    io = open_audio(AudioOptions(), asyncio.get_running_loop(), on_event=events.append)
    try:
        assert await io.wait_ready(15)
        async with (
            open_backend(Settings()) as handle,
            Conversation(handle.connector, SessionOptions(), sink=io.sink, on_event=events.append) as conv,
        ):
            assert hasattr(io.source, "discard_pending")
            io.source.discard_pending()  # nothing captured while connecting is sent
            drops_before = io.counters().drops  # the queue overflowed (oldest first) while connecting
            streamer = asyncio.create_task(conv.stream_audio(io.source), name="test-stream-mic")
            await asyncio.to_thread(routed.play_into_mic(near_speech_wav).wait, 30)
            await conv.wait_for_reply(since_turns=0)
            async with asyncio.timeout(30):
                await io.sink.drain()
            await record_more(rec, 1.0)  # the reply's tail, then silence
            sent = conv.stats.blocks_sent
            streamer.cancel()
    finally:
        recorded = rec.stop()
        await io.aclose()
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    heard = [e for e in events if isinstance(e, Transcript) and e.role is Role.USER]
    assert heard, "the emulator heard speech"
    assert any(isinstance(e, AudioLevels) and e.input_dbfs > -40 for e in events), "the meter moved"
    assert sent > 100
    speech, rate = read_wav(near_speech_wav)
    spoken = envelope(soxr.resample(speech, rate, 48_000), 48_000, 20)
    played = envelope(recorded, 48_000, 20)
    windows = [played[k : k + len(spoken)] for k in range(0, len(played) - len(spoken) + 1)]
    best = max(float(np.corrcoef(w, spoken)[0, 1]) for w in windows if np.std(w) > 0)
    shape = f"the reply's envelope matches the spoken utterance (r={best:.2f}); {io.counters().line()}"
    assert best > 0.8, shape
    counters = io.counters()
    assert counters.drops == drops_before, "nothing dropped while the engine was streaming"
    assert counters.underruns == 0, counters.line()
