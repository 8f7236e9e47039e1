"""The relay protocol's tool messages: the codec (tool_consent in, tool_call / tool_result / grounding out),
the protocol's tool actions and frames, a page's own consent port, and what browser sessions may use."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any

import pytest

from desktop_app.config import Settings
from desktop_app.core.app_events import ToolActivity, ToolPhase
from desktop_app.core.events import Event, FunctionCall, ToolCall, ToolCallCancellation
from desktop_app.live.fake_session import FakeConnector
from desktop_app.live.options import SessionOptions
from desktop_app.relay import RelayServer, codec
from desktop_app.relay.messages import ErrorCode, ProtocolError, ToolConsent
from desktop_app.relay.page_tools import BrowserTools, PageConsent
from desktop_app.relay.protocol import RelayProtocol
from desktop_app.relay.protocol_values import AnswerConsent, OpenSession, Reply, RunTools
from desktop_app.relay.redact import Redactor
from desktop_app.relay.tool_codec import encode_grounding, encode_tool_call, encode_tool_result
from desktop_app.services.backend import BackendService
from desktop_app.services.bus import Bus
from desktop_app.services.relay import RelayService
from desktop_app.tools.consent import ConsentAnswer, ConsentRequest
from desktop_app.tools.spec import Risk

AUDIO_SETUP = json.dumps({"setup": {"generation_config": {"response_modalities": ["AUDIO"]}}})


def live() -> RelayProtocol:
    proto = RelayProtocol(SessionOptions())
    assert isinstance(proto.receive(AUDIO_SETUP)[0], OpenSession)
    proto.session_opened()
    return proto


def frames(actions: list[Any]) -> list[dict[str, Any]]:
    return [json.loads(a.frame) for a in actions if isinstance(a, Reply)]


def consent(body: object) -> str:
    return json.dumps({"tool_consent": body})


# --- codec ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["allow_once", "always", "deny"])
def test_tool_consent_decodes_each_decision(decision: str) -> None:
    assert codec.decode_frame(consent({"id": "c1", "decision": decision})) == ToolConsent(
        "c1", ConsentAnswer(decision)
    )


def test_tool_consent_accepts_camel_case_kind() -> None:
    frame = json.dumps({"toolConsent": {"id": "c1", "decision": "deny"}})
    assert codec.decode_frame(frame) == ToolConsent("c1", ConsentAnswer.DENY)


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ("allow", "'tool_consent' must be an object"),
        ({"decision": "deny"}, "'tool_consent.id' must be the id of a tool_call"),
        ({"id": "", "decision": "deny"}, "'tool_consent.id'"),
        ({"id": "x" * 201, "decision": "deny"}, "1–200 characters"),
        ({"id": 7, "decision": "deny"}, "'tool_consent.id'"),
        ({"id": "c1"}, '\'tool_consent.decision\' must be one of "allow_once", "always", "deny"'),
        ({"id": "c1", "decision": "yes"}, "'tool_consent.decision'"),
        ({"id": "c1", "decision": "deny", "extra": 1}, "'tool_consent.extra' must be absent"),
    ],
)
def test_bad_tool_consent_is_a_clear_error(body: object, mentions: str) -> None:
    error = codec.decode_frame(consent(body))
    assert isinstance(error, ProtocolError)
    assert error.code is ErrorCode.WRONG_TYPE
    assert not error.fatal
    assert mentions in error.message


def test_unknown_kind_lists_tool_consent() -> None:
    error = codec.decode_frame(json.dumps({"tool_answer": {}}))
    assert isinstance(error, ProtocolError)
    assert "tool_consent" in error.message


def test_encoders_write_the_documented_shapes() -> None:
    assert json.loads(encode_tool_call("c1", "clock", {"zone": "UTC"}, needs_consent=True)) == {
        "tool_call": {"id": "c1", "name": "clock", "args": {"zone": "UTC"}, "needs_consent": True}
    }
    result = encode_tool_result("c1", "clock", decision="allowed once", outcome="done", summary="12:00")
    assert json.loads(result) == {
        "tool_result": {
            "id": "c1",
            "name": "clock",
            "decision": "allowed once",
            "outcome": "done",
            "summary": "12:00",
        }
    }


def test_grounding_keeps_only_web_links() -> None:
    sources = [("Docs", "https://example.com/a"), ("", "http://example.org"), ("Bad", "javascript:alert(1)")]
    assert json.loads(encode_grounding(["q one"], sources)) == {
        "grounding": {
            "queries": ["q one"],
            "sources": [
                {"title": "Docs", "uri": "https://example.com/a"},
                {"title": "http://example.org", "uri": "http://example.org"},
            ],
        }
    }


# --- protocol ------------------------------------------------------------------------------------


def test_tool_consent_before_setup_is_refused() -> None:
    proto = RelayProtocol(SessionOptions())
    [reply] = frames(proto.receive(consent({"id": "c1", "decision": "deny"})))
    assert reply["error"]["code"] == ErrorCode.SETUP_REQUIRED


def test_tool_consent_becomes_an_answer_for_the_shell() -> None:
    proto = live()
    actions = proto.receive(consent({"id": "c1", "decision": "always"}))
    assert actions == [AnswerConsent("c1", ConsentAnswer.ALWAYS)]


def test_tool_calls_and_cancellations_go_to_the_runtime() -> None:
    proto = live()
    call = ToolCall((FunctionCall("c1", "clock", {}),))
    cancel = ToolCallCancellation(("c1",))
    assert proto.live_event(call) == [RunTools(call)]
    assert proto.live_event(cancel) == [RunTools(cancel)]


def test_a_consent_call_is_shown_with_its_arguments_then_its_result() -> None:
    proto = live()
    proto.live_event(ToolCall((FunctionCall("c1", "clock", {"zone": "UTC"}),)))
    asking = frames(proto.tool_activity(ToolActivity("c1", "clock", ToolPhase.ASKING, "zone=UTC")))
    assert asking == [
        {"tool_call": {"id": "c1", "name": "clock", "args": {"zone": "UTC"}, "needs_consent": True}}
    ]
    assert proto.tool_activity(ToolActivity("c1", "clock", ToolPhase.RUNNING, decision="allowed once")) == []
    done = ToolActivity("c1", "clock", ToolPhase.DONE, decision="allowed once", summary="12:00")
    assert frames(proto.tool_activity(done)) == [
        {
            "tool_result": {
                "id": "c1",
                "name": "clock",
                "decision": "allowed once",
                "outcome": "done",
                "summary": "12:00",
            }
        }
    ]


def test_an_allowed_call_is_shown_without_a_card() -> None:
    proto = live()
    proto.live_event(ToolCall((FunctionCall("c2", "clock", {}),)))
    [shown] = frames(proto.tool_activity(ToolActivity("c2", "clock", ToolPhase.RUNNING, decision="allow")))
    assert shown["tool_call"]["needs_consent"] is False


def test_a_call_refused_before_running_gets_call_and_result_with_the_error_code() -> None:
    proto = live()
    proto.live_event(ToolCall((FunctionCall("c3", "rm_rf", {"path": "/"}),)))
    failed = ToolActivity("c3", "rm_rf", ToolPhase.FAILED, summary="no such tool", error="unknown_tool")
    call, result = frames(proto.tool_activity(failed))
    assert call["tool_call"] == {"id": "c3", "name": "rm_rf", "args": {"path": "/"}, "needs_consent": False}
    assert result["tool_result"]["outcome"] == "unknown_tool"
    cancelled = ToolActivity("c4", "clock", ToolPhase.CANCELLED)
    assert frames(proto.tool_activity(cancelled))[-1]["tool_result"]["outcome"] == "cancelled"


def test_tool_frames_never_carry_the_api_key() -> None:
    key = "AIzaSyTHISISAFAKEKEYFORTESTS0123456789ab"
    proto = RelayProtocol(SessionOptions(), redact=Redactor([key]))
    proto.receive(AUDIO_SETUP)
    proto.live_event(ToolCall((FunctionCall("c5", "read_clipboard", {"note": key}),)))
    done = ToolActivity("c5", "read_clipboard", ToolPhase.DONE, decision="allow", summary=f"text: {key}")
    sent = [a.frame for a in proto.tool_activity(done) if isinstance(a, Reply)]
    assert len(sent) == 2
    assert all(key not in frame for frame in sent)


def test_a_late_consent_is_an_error_that_does_not_spend_the_error_budget() -> None:
    proto = RelayProtocol(SessionOptions())
    proto.receive(AUDIO_SETUP)
    for _ in range(100):
        [reply] = frames(proto.unknown_call("gone"))
        assert reply["error"]["code"] == ErrorCode.UNKNOWN_CALL
    assert proto.phase.value == "live"


# --- the page's consent port ---------------------------------------------------------------------


def request(call_id: str = "c1") -> ConsentRequest:
    return ConsentRequest(call_id, "clock", "What time it is.", Risk.READS, {}, "", 30.0)


async def test_page_consent_waits_for_that_pages_answer() -> None:
    port = PageConsent()
    asked = asyncio.ensure_future(port.ask(request()))
    await asyncio.sleep(0)  # one loop turn: the question is registered (not a timing wait)
    assert port.waiting == ("c1",)
    assert not port.answer("other", ConsentAnswer.ALLOW_ONCE)
    assert port.answer("c1", ConsentAnswer.ALWAYS)
    assert await asked is ConsentAnswer.ALWAYS
    assert port.waiting == ()
    assert not port.answer("c1", ConsentAnswer.DENY)  # answered already


async def test_a_closed_page_denies_what_waits_and_what_comes_later() -> None:
    port = PageConsent()
    asked = asyncio.ensure_future(port.ask(request()))
    await asyncio.sleep(0)  # one loop turn: the question is registered (not a timing wait)
    port.close()
    assert await asked is ConsentAnswer.DENY
    assert await port.ask(request("c2")) is ConsentAnswer.DENY


async def test_a_cancelled_question_withdraws_its_card() -> None:
    port = PageConsent()
    asked = asyncio.ensure_future(port.ask(request()))
    await asyncio.sleep(0)  # one loop turn: the question is registered (not a timing wait)
    asked.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asked
    assert port.waiting == ()
    assert not port.answer("c1", ConsentAnswer.ALLOW_ONCE)


# --- what browser sessions may use ---------------------------------------------------------------


def _publish(_event: Event) -> None:
    return None


def test_default_is_search_grounding_only() -> None:
    settings = Settings()
    assert settings.browser_tools == ("google_search",)
    tools = BrowserTools.from_settings(settings)
    assert tools.google_search
    assert tools.local == frozenset()
    page = tools.open(_publish, model="gemini-3.8-live")
    assert page.declarations() == []
    assert page.google_search


def test_listed_local_tools_are_declared_and_nothing_else() -> None:
    tools = BrowserTools.from_settings(Settings(browser_tools=("get_current_time",)))
    assert not tools.google_search
    page = tools.open(_publish, model="gemini-3.8-live")
    assert [d.name for d in page.declarations()] == ["get_current_time"]


def test_tools_off_means_nothing_for_browsers_either() -> None:
    tools = BrowserTools.from_settings(Settings(tools_enabled=False))
    assert tools.allowed == frozenset()


def test_session_options_declare_the_pages_tools_and_keep_the_rest() -> None:
    page = BrowserTools(frozenset({"get_current_time"})).open(_publish, model="gemini-3.8-live")
    options = page.session_options(SessionOptions(voice="Kore"))
    assert options.voice == "Kore"
    assert [d.name for d in options.tools] == ["get_current_time"]
    assert options.google_search is False


def _no_backend(_settings: Settings) -> Any:
    raise AssertionError("the backend is not opened here")


async def test_a_tools_setting_reaches_the_next_browser_connections_without_a_relay_restart() -> None:
    settings = Settings(history=False)
    bus = Bus(lambda _event: None)
    service = RelayService(settings, bus, BackendService(settings, bus, opener=_no_backend))
    relay = RelayServer(FakeConnector(), SessionOptions(), tools=BrowserTools.from_settings(settings))
    service.relay = relay  # as if started (not bound: nothing here needs the port)
    await service.apply_settings(replace(settings, browser_tools=("get_current_time",)))
    assert service.relay is relay, "the relay was not restarted"
    assert relay.tools.local == {"get_current_time"}
    assert not relay.tools.google_search


def test_a_grounded_reply_reaches_the_page_as_one_grounding_frame() -> None:
    from desktop_app.core.events import Grounding, GroundingSource

    proto = live()
    sources = (
        GroundingSource("Emulator source", "https://emulator.invalid/a"),
        GroundingSource("x", "ftp://x"),
    )
    out = frames(proto.live_event(Grounding(queries=("weather",), sources=sources)))
    assert out == [
        {
            "grounding": {
                "queries": ["weather"],
                "sources": [{"title": "Emulator source", "uri": "https://emulator.invalid/a"}],
            }
        }
    ]
