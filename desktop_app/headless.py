"""The headless slice: a WAV file (and/or typed text) in, the model's spoken reply out to a WAV file.

``python -m desktop_app --headless --input-wav IN.wav --output-wav OUT.wav --transcript T.jsonl [--text "…"]``

It streams IN.wav as 20 ms blocks (in real time unless ``fast``), tells the server the audio ended, waits for
the reply turn to complete, then sends the text turn if there is one and waits for that reply too.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.core.audio_format import MODEL_FORMAT
from desktop_app.core.errors import AppError, MediaError
from desktop_app.core.events import (
    BackendInfo,
    ErrorEvent,
    Event,
    Interrupted,
    Role,
    Transcript,
    TurnComplete,
)
from desktop_app.core.media_events import FrameSent, VideoState, VideoStatus
from desktop_app.engine import Conversation
from desktop_app.event_log import EventLog
from desktop_app.video.source import source_from_flags
from desktop_app.wavfiles import WavFileSink, WavFileSource

__all__ = ["HeadlessJob", "run_headless"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HeadlessJob:
    """What one headless run does. At least one of ``input_wav`` and ``text`` must be set."""

    output_wav: Path
    input_wav: Path | None = None
    transcript: Path | None = None
    text: str | None = None
    fast: bool = False
    timeout_s: float = 60.0
    video: str | None = None  # --video INDEX|FILE|URL
    screen: str | None = None  # --screen [MONITOR|L,T,WxH]; "" = monitor 1


class TranscriptPrinter:
    """Prints streaming transcript pieces as running lines: ``you: …`` and ``gemini: …``."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._role: Role | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, Transcript) and event.text:
            if event.role is not self._role:
                self._end_line()
                self._out.write("you:" if event.role is Role.USER else "gemini:")
                self._role = event.role
            self._out.write(event.text if event.text.startswith(" ") else " " + event.text.lstrip())
            self._out.flush()
        elif isinstance(event, Interrupted):
            self._out.write(" [interrupted]")
            self._end_line()
        elif isinstance(event, TurnComplete):
            self._end_line()

    def _end_line(self) -> None:
        if self._role is not None:
            self._out.write("\n")
            self._out.flush()
        self._role = None


async def _run(job: HeadlessJob, settings: Settings, out: TextIO) -> None:
    if job.input_wav is None and not job.text:
        raise MediaError("Nothing to send: give --input-wav FILE and/or --text 'words'.")
    if job.input_wav is not None and not job.input_wav.is_file():
        raise MediaError(f"The input file {job.input_wav} does not exist.")
    video_source = source_from_flags(job.video, job.screen)
    sink = WavFileSink(job.output_wav)
    sink.open()
    events = EventLog(job.transcript) if job.transcript else None
    if events:
        events.open()

    printer = TranscriptPrinter(out)
    vision_settled = asyncio.Event()  # the first frame went out, or the source is unavailable
    errors: list[str] = []

    def on_event(event: Event) -> None:
        if events:
            events(event)
        printer(event)
        if isinstance(event, ErrorEvent):
            errors.append(event.message)
            print(f"notice: {event.message}", file=sys.stderr, flush=True)
        elif isinstance(event, BackendInfo) and event.notice:
            print(event.notice, file=sys.stderr, flush=True)
        if isinstance(event, FrameSent) or (
            isinstance(event, VideoStatus) and event.state in (VideoState.UNAVAILABLE, VideoState.ENDED)
        ):
            vision_settled.set()

    app = build_app(settings, Mode.HEADLESS_SLICE, on_event, sink=sink)
    try:
        await app.start()
        conv = app.running().conversation
        if conv is None:  # the backend or the session refused: its notice says why
            raise AppError(errors[-1] if errors else "The live session could not be opened.")
        if video_source is not None and app.services.vision is not None:
            # the reply should describe a frame; a missing camera means audio only
            app.services.vision.start_source(video_source)
            await asyncio.wait_for(vision_settled.wait(), job.timeout_s)
        await _converse(conv, job, settings)
        await sink.drain()
        stats = conv.stats
    finally:
        await app.stop()
        await sink.aclose()
        if events:
            events.close()
    seconds = MODEL_FORMAT.duration_s(stats.model_audio_bytes)
    print(
        f"done: {stats.turns} turn(s), {seconds:.2f} s of reply audio written to {job.output_wav}"
        + (f", transcript in {job.transcript}" if job.transcript else ""),
        file=out,
        flush=True,
    )


async def _converse(conv: Conversation, job: HeadlessJob, settings: Settings) -> None:
    """Send the WAV (then ``audio_stream_end``) and the text, each followed by waiting for its reply."""
    if job.input_wav is not None:
        since = conv.stats.turns
        await conv.stream_audio(
            WavFileSource(job.input_wav, block_ms=settings.block_ms, realtime=not job.fast)
        )
        await conv.end_audio_stream()
        await _wait(conv, since, job.timeout_s)
    if job.text:
        since = conv.stats.turns
        await conv.send_text(job.text)
        await _wait(conv, since, job.timeout_s)


async def _wait(conv: Conversation, since_turns: int, timeout_s: float) -> None:
    try:
        await conv.wait_for_reply(since_turns, timeout=timeout_s)
    except TimeoutError:
        raise AppError(f"No reply from the model within {timeout_s:g} s.") from None


def run_headless(job: HeadlessJob, settings: Settings, out: TextIO = sys.stdout) -> int:
    """Run the job to completion. Returns the exit code; errors are printed as one line on stderr."""
    try:
        asyncio.run(_run(job, settings, out))
    except AppError as err:
        print(f"error: {err}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
