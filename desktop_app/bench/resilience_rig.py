"""The simulated user of the resilience scenarios, and the connector that points them at the emulator.

:class:`Mic` streams 20 ms blocks at a multiple of real time (queued speech, else silence) into a resilient
session; :class:`Listener` consumes the session's events and counts completed replies, cut replies, state
changes and resumption handles. Run each one's ``run`` as a task and cancel it when done.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from desktop_app.core.audio_format import MIC_FORMAT, float_to_pcm16
from desktop_app.core.commands import UserAudio
from desktop_app.core.events import (
    ResumptionUpdate,
    Role,
    SessionPhase,
    SessionState,
    Transcript,
    TurnComplete,
)
from desktop_app.emulator import Emulator
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.reconnect import ReconnectPolicy
from desktop_app.live.resilient_session import ResilientConnector, ResilientEvent, ResilientSession

__all__ = ["BLOCK_MS", "Listener", "Mic", "emulator_connector", "scaled_policy", "speech_tone"]

BLOCK_MS = 20


def speech_tone(seconds: float) -> bytes:
    """``seconds`` of a 220 Hz voice-like tone (4 Hz syllable envelope) at the microphone's format."""
    rate = MIC_FORMAT.rate
    t = np.arange(int(seconds * rate)) / rate
    return float_to_pcm16(0.4 * (0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)) * np.sin(2 * np.pi * 220 * t))


def _blocks(pcm: bytes) -> list[bytes]:
    size = MIC_FORMAT.bytes_for_ms(BLOCK_MS)
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


_SILENT_BLOCK = bytes(MIC_FORMAT.bytes_for_ms(BLOCK_MS))


class Mic:
    """A microphone streaming 20 ms blocks at ``speed`` × real time: queued speech, else silence."""

    def __init__(self, session: ResilientSession, speed: float) -> None:
        self._session = session
        self._interval = BLOCK_MS / 1000 / speed
        self._queue: asyncio.Queue[tuple[bytes, bool, asyncio.Event | None]] = asyncio.Queue()
        self._speech_left = 0  # speech blocks queued, not sent yet
        self.blocks = 0

    @property
    def speaking(self) -> bool:
        """Part of an utterance's speech has not gone out yet."""
        return self._speech_left > 0

    def say(self, speech: bytes, tail: bytes) -> asyncio.Event:
        """Queue an utterance and its trailing silence; the event is set when its last block went out."""
        done = asyncio.Event()
        parts = [(block, True) for block in _blocks(speech)] + [(block, False) for block in _blocks(tail)]
        self._speech_left += len(_blocks(speech))
        for index, (block, is_speech) in enumerate(parts):
            self._queue.put_nowait((block, is_speech, done if index == len(parts) - 1 else None))
        return done

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            block, is_speech, done = (
                self._queue.get_nowait() if not self._queue.empty() else (_SILENT_BLOCK, False, None)
            )
            self._speech_left -= is_speech
            await self._session.send(UserAudio(block))
            self.blocks += 1
            if done is not None:
                done.set()
            next_at += self._interval
            delay = next_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)  # the microphone's own clock
            else:
                next_at = loop.time()


@dataclass
class Listener:
    """Consumes ``events()``: completed replies, cut replies, state changes."""

    replies: list[tuple[float, str]] = field(default_factory=list)  # (arrival, full model text)
    states: list[tuple[float, SessionState]] = field(default_factory=list)
    handles: int = 0
    cut_replies: int = 0
    error: BaseException | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    reply_started: asyncio.Event = field(default_factory=asyncio.Event)  # a reply's first words arrived
    _text: str = ""

    def lives(self) -> int:
        """How many times the session went live (reconnects included)."""
        return sum(1 for _, state in self.states if state.phase is SessionPhase.LIVE)

    @property
    def mid_reply(self) -> bool:
        """Part of a reply arrived and its turn has not completed yet."""
        return bool(self._text)

    async def run(self, session: ResilientSession) -> None:
        try:
            async for event in session.events():
                self._take(event)
        except Exception as exc:
            self.error = exc
        finally:
            self.changed.set()

    def _take(self, event: ResilientEvent) -> None:
        now = time.perf_counter()
        if isinstance(event, Transcript) and event.role is Role.MODEL:
            if not self._text:
                self.reply_started.set()
            self._text += event.text
        elif isinstance(event, TurnComplete):
            self.replies.append((now, self._text))
            self._text = ""
        elif isinstance(event, SessionState):
            if event.phase is SessionPhase.RECONNECTING and self._text:
                self.cut_replies += 1
                self._text = ""
            self.states.append((now, event))
        elif isinstance(event, ResumptionUpdate):
            self.handles += 1
        else:
            return
        self.changed.set()

    async def wait(self, test: Callable[[], bool], timeout: float) -> bool:
        deadline = time.perf_counter() + timeout
        while not test():
            if self.error is not None:
                raise self.error
            left = deadline - time.perf_counter()
            if left <= 0:
                return False
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                return test()
        return True


def scaled_policy(speedup: float) -> ReconnectPolicy:
    """The default reconnect policy with every timer divided by ``speedup``."""
    base = ReconnectPolicy()
    return replace(
        base,
        backoff_base_s=base.backoff_base_s / speedup,
        backoff_max_s=base.backoff_max_s / speedup,
        stable_after_s=base.stable_after_s / speedup,
        go_away_margin_s=base.go_away_margin_s / speedup,
        default_time_left_s=base.default_time_left_s / speedup,
        quiet_hold_s=base.quiet_hold_s / speedup,
        reply_wait_s=base.reply_wait_s / speedup,
    )


def emulator_connector(emu: Emulator, policy: ReconnectPolicy) -> ResilientConnector:
    """A resilient connector that reaches ``emu`` through the real SDK over TLS."""
    backend = Backend("emulator", "bench-key", emu.base_url, emu.client_ssl_context())
    return ResilientConnector(GenaiConnector(backend), policy)
