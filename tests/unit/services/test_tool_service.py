"""The tool service wired by build_app: each session declares the enabled tools, every call is answered
through the session, and a changed set of tools reopens the session only at a quiet moment."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace

import pytest

from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.core.app_events import ToolActivity, ToolPhase, ToolsChanged
from desktop_app.core.commands import ResponseScheduling, ToolResponse
from desktop_app.core.events import (
    ErrorEvent,
    FunctionCall,
    ModelAudio,
    ToolCall,
    ToolCallCancellation,
    TurnComplete,
)
from desktop_app.live.fake_session import FakeConnector, FakeSession
from desktop_app.services.app_controller import AppController
from desktop_app.services.tools import SwitchableConsent
from desktop_app.tools.consent import ConsentAnswer, ScriptedConsent
from desktop_app.tools.spec import Policy, ToolSpec
from tests.unit.services.fakes import Events, FakeAudio, MemorySink, fake_backend
from tests.unit.tools.helpers import Waiting


@dataclass
class Rig:
    connector: FakeConnector = field(default_factory=FakeConnector)
    events: Events = field(default_factory=Events)
    saved: list[Settings] = field(default_factory=list)

    def build(self, settings: Settings, mode: Mode = Mode.HEADLESS_SLICE) -> AppController:
        return build_app(
            settings,
            mode,
            self.events,
            audio_opener=lambda *_args: FakeAudio(),  # type: ignore[arg-type,return-value]
            backend_opener=fake_backend(lambda: self.connector),
            save=self.saved.append,
            sink=MemorySink(),
        )

    async def session(self, count: int = 1) -> FakeSession:
        return (await self.connector.wait_sessions(count))[count - 1]

    async def answers(self, session: FakeSession, count: int = 1) -> list[ToolResponse]:
        def answered() -> list[ToolResponse]:
            return [c for c in session.sent if isinstance(c, ToolResponse)]

        await self.connector.changes.wait_for(lambda: len(answered()) >= count)
        return answered()


def _declared(session: FakeSession) -> set[str]:
    return {d.name for d in session.options.tools}


@pytest.mark.parametrize("mode", [Mode.HEADLESS_SLICE, Mode.HEADLESS_LIVE, Mode.WINDOW])
async def test_every_mode_declares_the_tools_not_denied(mode: Mode) -> None:
    rig = Rig()
    app = rig.build(Settings(tool_policies=("open_url=deny",)), mode)
    await app.start()
    try:
        session = await rig.session()
        assert "get_current_time" in _declared(session)
        assert "open_url" not in _declared(session), "a denied tool is not declared"
        assert session.options.google_search, "grounding is on by default"
    finally:
        await app.stop()


async def test_tools_off_declares_nothing_and_search_follows_its_setting() -> None:
    rig = Rig()
    app = rig.build(Settings(tools_enabled=False, google_search=False))
    await app.start()
    try:
        session = await rig.session()
        assert session.options.tools == ()
        assert not session.options.google_search
    finally:
        await app.stop()


async def test_a_call_is_answered_through_the_session_with_scheduling_on_3_8() -> None:
    rig = Rig()
    app = rig.build(Settings(model="gemini-3.8-live"))
    await app.start()
    try:
        session = await rig.session()
        session.emit(ToolCall((FunctionCall("c1", "get_current_time"),)))
        [answer] = await rig.answers(session)
        [result] = answer.results
        assert (result.id, result.name) == ("c1", "get_current_time")
        assert "output" in result.response
        assert result.scheduling is ResponseScheduling.WHEN_IDLE
        done = await rig.events.wait_for(lambda e: isinstance(e, ToolActivity) and e.phase is ToolPhase.DONE)
        assert isinstance(done, ToolActivity) and done.decision == "allow"
    finally:
        await app.stop()


async def test_a_blocking_only_model_gets_answers_without_scheduling() -> None:
    rig = Rig()
    app = rig.build(Settings(model="gemini-3.1-flash-live-preview"))
    await app.start()
    try:
        session = await rig.session()
        session.emit(ToolCall((FunctionCall("c1", "get_current_time"),)))
        [answer] = await rig.answers(session)
        assert answer.results[0].scheduling is None
    finally:
        await app.stop()


async def test_headless_ask_is_a_deny_with_a_notice() -> None:
    rig = Rig()
    app = rig.build(Settings())
    await app.start()
    try:
        session = await rig.session()
        session.emit(ToolCall((FunctionCall("c1", "read_clipboard"),)))
        [answer] = await rig.answers(session)
        assert answer.results[0].response["error"]["code"] == "denied"
        notice = await rig.events.wait_for(lambda e: isinstance(e, ErrorEvent) and e.code == "tool_consent")
        assert "--allow-tool read_clipboard" in str(notice)
    finally:
        await app.stop()


async def test_a_cancelled_call_gets_no_answer_and_its_card_is_withdrawn() -> None:
    rig = Rig()
    app = rig.build(Settings(), Mode.WINDOW)
    broker = Waiting()
    await app.start()
    try:
        app.set_consent(broker)
        session = await rig.session()
        session.emit(ToolCall((FunctionCall("c1", "read_clipboard"),)))
        await rig.events.wait_for(lambda e: isinstance(e, ToolActivity) and e.phase is ToolPhase.ASKING)
        session.emit(ToolCallCancellation(("c1",)))
        await rig.events.wait_for(lambda e: isinstance(e, ToolActivity) and e.phase is ToolPhase.CANCELLED)
        await asyncio.wait_for(broker.withdrawn.wait(), 5)
        assert not [c for c in session.sent if isinstance(c, ToolResponse)]
    finally:
        await app.stop()


async def test_the_window_asks_its_broker_and_always_allow_is_saved() -> None:
    rig = Rig()
    app = rig.build(Settings(), Mode.WINDOW)
    consent = ScriptedConsent(lambda _request: ConsentAnswer.ALWAYS)
    await app.start()
    try:
        assert app.services.tools is not None
        assert isinstance(app.services.tools.consent, SwitchableConsent)
        app.set_consent(consent)
        session = await rig.session()
        session.emit(ToolCall((FunctionCall("c1", "open_url", {"url": "https://example.org/"}),)))
        await rig.events.wait_for(lambda e: isinstance(e, ToolActivity) and e.phase is ToolPhase.RUNNING)
        assert [r.tool for r in consent.asked] == ["open_url"]
        assert "open_url=allow" in app.settings.tool_policies
        assert rig.saved and "open_url=allow" in rig.saved[-1].tool_policies
        info = {t.name: t for t in app.tool_specs()}
        assert info["open_url"].policy is Policy.ALLOW and info["open_url"].default is Policy.ASK
    finally:
        await app.stop()


async def test_a_policy_change_to_deny_reopens_the_session_only_when_quiet() -> None:
    rig = Rig()
    app = rig.build(Settings())
    await app.start()
    try:
        session = await rig.session()
        session.emit(ModelAudio(b"\0\0" * 240))  # the model is replying
        await rig.events.wait_for(lambda e: isinstance(e, ModelAudio))
        await app.set_tool_policy("search_history", Policy.DENY)
        assert len(rig.connector.sessions) == 1, "never reopened in the middle of a reply"
        session.emit(TurnComplete())
        second = await rig.session(2)
        assert "search_history" not in _declared(second)
        assert "search_history" in _declared(session)
    finally:
        await app.stop()


async def test_a_tools_settings_change_that_keeps_the_set_does_not_reopen() -> None:
    rig = Rig()
    settings = Settings()
    app = rig.build(settings)
    await app.start()
    try:
        await rig.session()
        await app.apply_settings(replace(settings, tool_consent_timeout_s=60.0))
        await app.apply_settings(replace(settings, tool_consent_timeout_s=60.0, google_search=False))
        await rig.session(2)  # grounding off changes the setup: a new session
        assert len(rig.connector.sessions) == 2
        assert not rig.connector.sessions[1].options.google_search
    finally:
        await app.stop()


def test_the_catalogue_of_parts_includes_tools_in_every_live_mode() -> None:
    for mode in (Mode.WINDOW, Mode.HEADLESS_LIVE, Mode.HEADLESS_SLICE):
        app = build_app(Settings(), mode, lambda _event: None, sink=MemorySink())
        assert app.services.tools is not None
        order = app.services.in_start_order()
        assert order.index(app.services.tools) < order.index(app.services.conversation)  # type: ignore[arg-type]
    relay_only = build_app(Settings(), Mode.RELAY_ONLY, lambda _event: None)
    assert relay_only.services.tools is None


async def test_a_changed_tool_list_reopens_at_once_when_quiet_and_the_new_session_declares_it() -> None:
    rig = Rig()
    app = rig.build(Settings())
    await app.start()
    try:
        first = await rig.session()
        assert app.services.tools is not None and app.services.tools.suite is not None

        async def hello(_args: dict[str, object]) -> str:
            return "hi"

        # what an MCP server's list change does: the registry changes and says so (ToolsChanged)
        app.services.tools.suite.registry.add(ToolSpec("mcp.hello", "Says hi.", hello, policy=Policy.ALLOW))
        await rig.events.wait_for(lambda e: isinstance(e, ToolsChanged))
        second = await rig.session(2)
        assert "mcp.hello" in _declared(second) and "mcp.hello" not in _declared(first)
    finally:
        await app.stop()


async def test_settled_waits_for_the_turn_that_speaks_an_answer_sent_mid_reply() -> None:
    rig = Rig()
    app = rig.build(Settings())
    await app.start()
    try:
        tools = app.services.tools
        assert tools is not None
        session = await rig.session()
        await tools.settled()  # nothing asked: settled at once
        session.emit(ModelAudio(b"\0\0" * 240), ToolCall((FunctionCall("c1", "get_current_time"),)))
        await rig.answers(session)  # answered (WHEN_IDLE) while the model's reply is under way
        waiting = asyncio.ensure_future(tools.settled())
        session.emit(TurnComplete())  # the reply in progress ends ...
        await rig.events.wait_for(lambda e: isinstance(e, TurnComplete))
        with pytest.raises(TimeoutError):  # the answer is spoken in the next turn, not this one
            await asyncio.wait_for(asyncio.shield(waiting), 0.3)
        session.emit(ModelAudio(b"\0\0" * 240), TurnComplete())  # ... then the turn that speaks it
        await asyncio.wait_for(waiting, 5)
    finally:
        await app.stop()
