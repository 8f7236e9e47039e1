"""Tools end to end: the app (build_app) through the real google-genai SDK against the emulator over TLS.

Each test types a turn that the emulator's scripted triggers turn into a ``toolCall``; the app's tool
runtime answers it (or not) through the session, and the emulator speaks the answer per its scheduling.
The desktop ports (browser, clipboard, notifier, screenshots) are fakes: nothing opens on the test machine.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.core.app_events import ToolActivity, ToolPhase
from desktop_app.core.commands import ResponseScheduling
from desktop_app.core.events import Event, Grounding, Interrupted, Role, Transcript
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.emulator.tool_calls import DEMO_TRIGGERS, EMULATOR_SOURCES, ToolTrigger
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.services.app_controller import AppController
from desktop_app.services.backend import BackendHandle
from desktop_app.tools.consent import ConsentAnswer, ConsentBroker, ScriptedConsent
from desktop_app.tools.runtime import Publish, Send
from desktop_app.tools.spec import Policy, ToolSpec
from desktop_app.tools.suite import ToolSuite
from tests.unit.services.fakes import Events, MemorySink
from tests.unit.tools.helpers import Waiting

pytestmark = pytest.mark.integration

PROJECT = "https://github.com/google-gemini"


class FakeBrowser:
    def __init__(self) -> None:
        self.opened: list[str] = []

    async def open(self, url: str) -> None:
        self.opened.append(url)


class FakeNotifier:
    async def notify(self, title: str, body: str) -> None:
        pass


async def _urgent(_args: dict[str, Any]) -> str:
    return "the oven is on fire"


URGENT = ToolSpec(
    "urgent_note", "An urgent note.", _urgent, policy=Policy.ALLOW, scheduling=ResponseScheduling.INTERRUPT
)


def said(events: Events) -> str:
    return "".join(e.text for e in events.seen if isinstance(e, Transcript) and e.role is Role.MODEL)


def activity(events: Events, phase: ToolPhase) -> list[ToolActivity]:
    return [e for e in events.seen if isinstance(e, ToolActivity) and e.phase is phase]


async def until_said(events: Events, words: str) -> str:
    await events.wait_for(lambda _e: words in said(events))
    return said(events)


@asynccontextmanager
async def emulator_with(*triggers: ToolTrigger, pace: float = 0.0) -> AsyncIterator[Emulator]:
    config = EmulatorConfig(pace=pace, tool_triggers=(*DEMO_TRIGGERS, *triggers))
    async with Emulator(config) as emu:
        yield emu


@asynccontextmanager
async def app_on(
    emulator: Emulator,
    settings: Settings | None = None,
    *,
    consent: ConsentBroker | None = None,
    extra: Sequence[ToolSpec] = (),
    browser: FakeBrowser | None = None,
) -> AsyncIterator[tuple[AppController, Events]]:
    events = Events()
    backend = Backend("emulator", "test-key", emulator.base_url, emulator.client_ssl_context())

    @asynccontextmanager
    async def open_emulated(_settings: Settings) -> AsyncIterator[BackendHandle]:
        yield BackendHandle(GenaiConnector(backend), backend)

    app = build_app(
        settings or Settings(), Mode.HEADLESS_SLICE, events, backend_opener=open_emulated, sink=MemorySink()
    )
    tools = app.services.tools
    assert tools is not None
    if consent is not None:
        tools.consent = consent
    tools.desktop.browser = browser or FakeBrowser()  # what a window plugs in with set_desktop_ports

    def suite(settings: Settings, send: Send, publish: Publish, **kwargs: Any) -> ToolSuite:
        made = ToolSuite.from_settings(settings, send, publish, notifier=FakeNotifier(), **kwargs)
        for spec in extra:
            made.registry.add(spec)
        return made

    tools.suite_factory = suite
    await app.start()
    try:
        assert app.running().conversation is not None, [str(e) for e in events.errors()]
        yield app, events
    finally:
        await app.stop()


def declarations(emu: Emulator) -> dict[str, str | None]:
    """Each declared function's behaviour, as the emulator received the setup."""
    tools: list[dict[str, Any]] = (emu.stats.last_setup or {}).get("tools", [])  # type: ignore[assignment]
    return {d["name"]: d.get("behavior") for t in tools for d in t.get("functionDeclarations", ())}


def _event(events: Events, kind: type[Event]) -> list[Event]:
    return [e for e in events.seen if isinstance(e, kind)]


async def test_an_allowed_call_is_answered_when_idle_and_its_result_spoken() -> None:
    async with emulator_with() as emu, app_on(emu) as (app, events):
        declared = declarations(emu)
        assert declared["get_current_time"] == "NON_BLOCKING"
        assert any("googleSearch" in tool for tool in (emu.stats.last_setup or {})["tools"])  # type: ignore[attr-defined]
        await app.send_text("what time is it")
        text = await until_said(events, "get_current_time returned")
        assert '{"output": {' in text
        [(call_id, scheduling)] = emu.stats.tool_responses
        assert call_id.startswith("function-call-") and scheduling == "WHEN_IDLE"
        [done] = activity(events, ToolPhase.DONE)
        assert done.decision == "allow" and done.duration_ms is not None


async def test_a_denied_tool_is_not_declared_so_naming_it_calls_nothing() -> None:
    settings = Settings(tool_policies=("get_current_time=deny",))
    async with emulator_with() as emu, app_on(emu, settings) as (app, events):
        await app.send_text("what time is it")
        await until_said(events, 'You said: "what time is it"')
        assert emu.stats.tool_calls == 0


async def test_ask_with_consent_runs_the_tool_and_silent_is_not_spoken() -> None:
    browser = FakeBrowser()
    consent = ScriptedConsent(lambda _request: ConsentAnswer.ALLOW_ONCE)
    async with emulator_with() as emu, app_on(emu, consent=consent, browser=browser) as (app, events):
        await app.send_text("open the project page")
        await emu.wait_until(lambda stats: bool(stats.tool_responses))
        assert browser.opened == [PROJECT]
        [request] = consent.asked
        assert request.tool == "open_url" and PROJECT in request.args_text
        assert emu.stats.tool_responses[0][1] == "SILENT"
        assert activity(events, ToolPhase.DONE)[0].decision == "allowed once"
        await app.send_text("and then?")  # the next turn: the SILENT result was never spoken
        text = await until_said(events, 'You said: "and then?"')
        assert "open_url returned" not in text


async def test_a_user_deny_is_answered_with_a_structured_error() -> None:
    consent = ScriptedConsent(lambda _request: ConsentAnswer.DENY)
    browser = FakeBrowser()
    async with emulator_with() as emu, app_on(emu, consent=consent, browser=browser) as (app, events):
        await app.send_text("open the project page")
        text = await until_said(events, "open_url returned")
        assert '"code": "denied"' in text and browser.opened == []
        assert activity(events, ToolPhase.FAILED)[0].decision == "denied by the user"


async def test_no_consent_in_time_counts_as_a_deny_and_the_model_is_told() -> None:
    settings = Settings(tool_consent_timeout_s=5.0)  # the shortest the settings allow
    consent = Waiting()
    async with emulator_with() as emu, app_on(emu, settings, consent=consent) as (app, events):
        await app.send_text("open the project page")
        text = await until_said(events, "open_url returned")
        assert '"code": "no_consent"' in text
        await asyncio.wait_for(consent.withdrawn.wait(), 5)


async def test_a_barge_in_cancels_the_pending_call_and_nothing_is_sent_for_it() -> None:
    consent = Waiting()
    async with emulator_with() as emu, app_on(emu, consent=consent) as (app, events):
        await app.send_text("open the project page")
        await events.wait_for(lambda e: isinstance(e, ToolActivity) and e.phase is ToolPhase.ASKING)
        await app.send_text("never mind")
        await events.wait_for(lambda e: isinstance(e, ToolActivity) and e.phase is ToolPhase.CANCELLED)
        await asyncio.wait_for(consent.withdrawn.wait(), 5)
        await until_said(events, 'You said: "never mind"')
        assert emu.stats.tool_cancellations == 1 and emu.stats.tool_responses == []


async def test_an_unknown_tool_is_answered_with_unknown_tool() -> None:
    rogue = ToolTrigger("launch_rockets", phrase="launch", undeclared=True)
    async with emulator_with(rogue) as emu, app_on(emu) as (app, events):
        await app.send_text("launch please")
        text = await until_said(events, "launch_rockets returned")
        assert '"code": "unknown_tool"' in text


async def test_arguments_that_fail_the_schema_are_answered_with_bad_arguments() -> None:
    bad = ToolTrigger("set_timer", {"seconds": "ten"}, phrase="set a timer")
    async with emulator_with(bad) as emu, app_on(emu) as (app, events):
        await app.send_text("set a timer")
        text = await until_said(events, "set_timer returned")
        assert '"code": "bad_arguments"' in text


@pytest.mark.parametrize(("tool", "interrupts"), [("get_current_time", False), ("urgent_note", True)])
async def test_when_idle_waits_for_the_reply_and_interrupt_cuts_it(tool: str, interrupts: bool) -> None:
    # real-time pace: the emulator is still speaking "I called …" when the answer arrives
    async with emulator_with(pace=1.0) as emu, app_on(emu, extra=(URGENT,)) as (app, events):
        await app.send_text(f"call {tool}")
        text = await until_said(events, f"{tool} returned")
        assert bool(_event(events, Interrupted)) is interrupts
        expected = "INTERRUPT" if interrupts else "WHEN_IDLE"
        assert [s for _id, s in emu.stats.tool_responses] == [expected]
        if not interrupts:
            assert text.index("will tell you when it answers") < text.index(f"{tool} returned")


async def test_a_blocking_only_model_declares_blocking_and_gets_no_scheduling() -> None:
    settings = Settings(model="gemini-3.1-flash-live-preview")
    async with emulator_with() as emu, app_on(emu, settings) as (app, events):
        assert set(declarations(emu).values()) == {"BLOCKING"}
        assert not any("googleSearch" in tool for tool in (emu.stats.last_setup or {})["tools"])  # type: ignore[attr-defined]
        await app.send_text("what time is it")
        await until_said(events, "get_current_time returned")
        assert [s for _id, s in emu.stats.tool_responses] == [None]


async def test_search_grounding_reaches_the_app_with_the_emulators_sources() -> None:
    async with emulator_with() as emu, app_on(emu) as (app, events):
        await app.send_text("search for the weather")
        grounding = await events.wait_for(lambda e: isinstance(e, Grounding))
        assert isinstance(grounding, Grounding)
        assert [(s.title, s.uri) for s in grounding.sources] == list(EMULATOR_SOURCES)
        assert grounding.queries == ("search for the weather",)


async def test_headless_allow_tool_answers_what_time_is_it(tmp_path: Path) -> None:
    from tests.integration.test_headless_cli import run_cli

    transcript = tmp_path / "t.jsonl"
    code, out, err = await run_cli(
        "--headless", "--backend", "emulator",  # gemini-3.8-live: the result comes in a later turn
        "--allow-tool", "get_current_time", "--text", "what time is it",
        "--output-wav", str(tmp_path / "reply.wav"), "--transcript", str(transcript),
        env={}, tmp_path=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    assert "get_current_time returned" in out.replace("\n", " ")
    records = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert any(r["type"] == "tool_activity" and r.get("phase") == "done" for r in records), records[-5:]
