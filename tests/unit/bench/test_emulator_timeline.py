"""The emulator's timeline (``--timeline``): what the device-latency bench splits the server's share with."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from desktop_app.bench.live_scenarios import speech_like_pcm
from desktop_app.core.audio_format import MIC_FORMAT
from desktop_app.core.commands import UserAudio
from desktop_app.core.events import TurnComplete
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.emulator.__main__ import parse_args
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions


async def _one_turn(path: Path) -> None:
    async with Emulator(EmulatorConfig(pace=0, timeline_path=path)) as emu:
        backend = Backend("emulator", "k", emu.base_url, emu.client_ssl_context())
        async with GenaiConnector(backend).connect(SessionOptions()) as session:
            events = session.events()
            speech = speech_like_pcm(0.3) + bytes(MIC_FORMAT.bytes_for_ms(600))  # speech, then silence
            block = MIC_FORMAT.bytes_for_ms(20)
            for offset in range(0, len(speech), block):
                await session.send(UserAudio(speech[offset : offset + block]))
            async for event in events:
                if isinstance(event, TurnComplete):
                    break


def test_the_timeline_dates_audio_in_speech_end_and_the_reply_on_the_monotonic_clock(tmp_path: Path) -> None:
    path = tmp_path / "timeline.txt"
    before = time.monotonic()
    asyncio.run(_one_turn(path))
    after = time.monotonic()
    notes = [line.split() for line in path.read_text().splitlines()]
    kinds = [kind for _, kind, _ in notes]
    times = [float(t) for t, _, _ in notes]
    assert all(before <= t <= after for t in times)
    assert times == sorted(times)
    received = [float(v) for _, kind, v in notes if kind == "audio_in"]
    assert abs(received[-1] - (MIC_FORMAT.duration_s(len(speech_like_pcm(0.3))) + 0.6)) < 1e-5
    assert received == sorted(received)
    start, end = kinds.index("activity_start"), kinds.index("activity_end")
    assert start < end < kinds.index("audio") < kinds.index("turn_complete")
    assert abs(float(notes[end][2]) - 0.3) <= 0.02  # the VAD's end of speech, in seconds of audio


def test_the_command_line_takes_a_timeline_file(tmp_path: Path) -> None:
    config, _ = parse_args(["--timeline", str(tmp_path / "t.txt")])
    assert config.timeline_path == tmp_path / "t.txt"
    assert parse_args([])[0].timeline_path is None
