"""The tool round trip to the wire: a real session on the emulator, through the real SDK.

``tool call received → response on the wire`` starts when the live session's ``events()`` yields the
ToolCall to the app and stops when ``session.send(ToolResponse)`` returns, i.e. when the SDK has written the
response to its websocket: the runtime, the allowed built-in ``get_current_time`` and the SDK's send, as in
the app. Each sample is one typed "what time is it" (the emulator's scripted trigger) answered in full
before the next, so one call is timed at a time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from desktop_app.core.commands import Command, UserText
from desktop_app.core.events import LiveEvent, ToolCall, TurnComplete
from desktop_app.core.stats import percentile
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions
from desktop_app.tools.builtin_desktop import time_tool
from desktop_app.tools.consent import HeadlessConsent
from desktop_app.tools.registry import ToolRegistry
from desktop_app.tools.runtime import ToolRuntime

Metric = tuple[str, float, str]

CALLS = 120
TURN_TIMEOUT_S = 20.0


async def _next(events: AsyncIterator[LiveEvent]) -> LiveEvent:
    return await asyncio.wait_for(anext(events), TURN_TIMEOUT_S)


async def _to_wire(calls: int) -> list[float]:
    emulator = Emulator(EmulatorConfig(pace=0.0))
    await emulator.start()
    try:
        backend = Backend("emulator", "bench", emulator.base_url, emulator.client_ssl_context())
        registry = ToolRegistry()
        registry.add(time_tool())
        answered = asyncio.Event()
        on_wire = 0.0
        session_send: list[Callable[[Command], Awaitable[None]]] = []  # the open session's send

        async def send(command: Command) -> None:
            nonlocal on_wire
            await session_send[0](command)
            on_wire = time.perf_counter()
            answered.set()

        runtime = ToolRuntime(registry, HeadlessConsent(), send, lambda _e: None, supports_scheduling=True)
        options = SessionOptions(tools=tuple(runtime.declarations()))
        samples: list[float] = []
        async with GenaiConnector(backend).connect(options) as session:
            session_send.append(session.send)
            await runtime.start()
            events = aiter(session.events())
            try:
                for _ in range(calls):
                    answered.clear()
                    await session.send(UserText("what time is it"))
                    turns_after_answer = 0
                    while turns_after_answer < 1 or not answered.is_set():
                        event = await _next(events)
                        if isinstance(event, ToolCall):
                            received = time.perf_counter()
                            runtime.on_event(event)
                            await asyncio.wait_for(answered.wait(), TURN_TIMEOUT_S)
                            samples.append((on_wire - received) * 1000)
                        elif isinstance(event, TurnComplete) and answered.is_set():
                            turns_after_answer += 1
            finally:
                await runtime.stop()
        return samples
    finally:
        await emulator.stop()


def bench_tool_round_trip_to_wire() -> list[Metric]:
    samples = asyncio.run(_to_wire(CALLS))
    return [
        ("tool call received → response on the wire p50", percentile(samples, 50), "ms"),
        ("tool call received → response on the wire p99", percentile(samples, 99), "ms"),
        ("tool calls timed", float(len(samples)), "calls"),
    ]
