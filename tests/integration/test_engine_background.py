"""The engine on the extended-thinking model, through the real SDK and the emulator: ``wait_for_reply`` ends
only when the model says IDLE, not at ``turn_complete`` (its background work goes on after the turn), so the
headless slice does not end early."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from desktop_app.core.events import Event, Interaction, InteractionUpdate, LiveEvent, ModelAudio, TurnComplete
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.engine import Conversation
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions
from desktop_app.live.session import LiveSession

pytestmark = pytest.mark.integration

EXTENDED = "gemini-3.8-live-extended-thinking"


class NullSink:
    def play(self, chunk: ModelAudio) -> None:
        pass

    def interrupt(self) -> None:
        pass

    async def drain(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


class GatedSession:
    """A session whose events stop after the first IN_PROGRESS until :attr:`release` is set, so the test
    sees what ``wait_for_reply`` does while the model is still working."""

    def __init__(self, inner: LiveSession) -> None:
        self._inner = inner
        self.held = asyncio.Event()
        self.release = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def events(self) -> AsyncIterator[LiveEvent]:
        async for event in self._inner.events():
            yield event
            working = isinstance(event, InteractionUpdate) and event.status is Interaction.IN_PROGRESS
            if working and not self.held.is_set():
                self.held.set()
                await self.release.wait()


class GatedConnector:
    def __init__(self, inner: GenaiConnector) -> None:
        self._inner = inner
        self.session: GatedSession | None = None

    @property
    def backend_name(self) -> str:
        return self._inner.backend_name

    @asynccontextmanager
    async def connect(self, options: SessionOptions) -> AsyncIterator[GatedSession]:
        async with self._inner.connect(options) as inner:
            self.session = GatedSession(inner)
            yield self.session


async def test_wait_for_reply_waits_for_idle_on_the_extended_thinking_model() -> None:
    seen: list[Event] = []
    async with Emulator(EmulatorConfig(pace=0.0)) as emu:
        connector = GatedConnector(
            GenaiConnector(Backend("emulator", "k", emu.base_url, emu.client_ssl_context()))
        )
        options = SessionOptions(model=EXTENDED, include_thoughts=True)
        async with Conversation(connector, options, sink=NullSink(), on_event=seen.append) as conv:  # type: ignore[arg-type]
            await conv.send_text("hello")
            waiting = asyncio.create_task(conv.wait_for_reply(since_turns=0, timeout=30))
            assert connector.session is not None
            await asyncio.wait_for(connector.session.held.wait(), 30)
            assert any(isinstance(event, TurnComplete) for event in seen)
            for _ in range(50):  # the receive loop is parked: give the waiter every chance to (wrongly) wake
                await asyncio.sleep(0)
            assert not waiting.done(), "turn_complete is not the end on a background_work model"
            connector.session.release.set()
            await waiting
    idle = [e for e in seen if isinstance(e, InteractionUpdate) and e.status is Interaction.IDLE]
    assert idle, "wait_for_reply returned before the model said IDLE"
