"""The emulator's function calls: declarations checked as the API reference documents them, scripted
triggers, ids that must match, scheduling honoured, barge-in cancels, grounding marked as the emulator's."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from desktop_app.emulator.messages import (
    GenerationComplete,
    Grounding,
    Interrupted,
    OutputTranscription,
    ServerOutput,
    TextIn,
    ToolCall,
    ToolCallCancellation,
    ToolResponse,
    TurnComplete,
)
from desktop_app.emulator.model import ModelOptions, SimulatedModel
from desktop_app.emulator.parse import ActivityDetection, parse_setup
from desktop_app.emulator.protocol_errors import WireError
from desktop_app.emulator.resumption import SessionState
from desktop_app.emulator.tool_calls import EMULATOR_SOURCES, ToolTrigger, check_tools
from tests.unit.emulator.test_model import drain, feed, speech

LIVE = "gemini-3.8-live"
BLOCKING_ONLY = "gemini-3.1-flash-live-preview"


def _setup(model: str, *declarations: dict[str, Any], search: bool = False) -> dict[str, Any]:
    tools: list[dict[str, Any]] = [{"functionDeclarations": list(declarations)}] if declarations else []
    if search:
        tools.append({"googleSearch": {}})
    return {"setup": {"model": f"models/{model}", "tools": tools, "outputAudioTranscription": {}}}


def refusal(model: str, *declarations: dict[str, Any]) -> str:
    with pytest.raises(WireError) as caught:
        check_tools(parse_setup(_setup(model, *declarations)))
    assert caught.value.code == 1007
    return caught.value.reason


# --- declarations: the rules quoted from the FunctionDeclaration field docs -------------------------------


def test_a_function_name_must_start_with_a_letter_or_underscore() -> None:
    # name: "Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain underscores, dots,
    # colons and dashes, with a maximum length of 128."
    assert "must start with a letter" in refusal(LIVE, {"name": "1st"})
    assert "must start with a letter" in refusal(LIVE, {"name": "has space"})
    assert "must start with a letter" in refusal(LIVE, {"name": "x" * 129})
    check_tools(parse_setup(_setup(LIVE, {"name": "mcp.server:tool-1"})))


def test_parameters_json_schema_must_describe_an_object() -> None:
    # parameters_json_schema: "The schema must describe an object where the properties are the parameters".
    assert "must describe an object" in refusal(
        LIVE, {"name": "f", "parametersJsonSchema": {"type": "string"}}
    )
    assert "must describe an object" in refusal(LIVE, {"name": "f", "parametersJsonSchema": []})


def test_parameters_and_parameters_json_schema_are_mutually_exclusive() -> None:
    # parameters_json_schema: "This field is mutually exclusive with `parameters`."
    both = {"name": "f", "parameters": {"type": "OBJECT"}, "parametersJsonSchema": {"type": "object"}}
    assert "mutually exclusive" in refusal(LIVE, both)


def test_parameter_names_and_required_are_checked() -> None:
    # parameters: "Parameter names must start with a letter or an underscore and must only contain chars
    # a-z, A-Z, 0-9, or underscores with a maximum length of 64."
    bad = {"name": "f", "parametersJsonSchema": {"type": "object", "properties": {"a-b": {}}}}
    assert "parameter name 'a-b'" in refusal(LIVE, bad)
    missing = {"name": "f", "parametersJsonSchema": {"type": "object", "properties": {}, "required": ["x"]}}
    assert "required" in refusal(LIVE, missing)


def test_a_name_declared_twice_and_non_blocking_on_a_blocking_only_model_are_refused() -> None:
    assert "declared twice" in refusal(LIVE, {"name": "f"}, {"name": "f"})
    assert "NON_BLOCKING" in refusal(BLOCKING_ONLY, {"name": "f", "behavior": "NON_BLOCKING"})


# --- the simulated model ---------------------------------------------------------------------------------


def make(model: str, *declarations: dict[str, Any], search: bool = False, **options: Any) -> SimulatedModel:
    setup = parse_setup(_setup(model, *declarations, search=search))
    setup = type(setup)(
        **{
            **{f: getattr(setup, f) for f in setup.__slots__},
            "activity": ActivityDetection(silence_duration_ms=300),
        }
    )  # type: ignore[attr-defined]
    counter = itertools.count(1)
    sim = SimulatedModel(
        setup,
        SessionState("s1"),
        options=ModelOptions(**options),
        new_call_id=lambda: f"call-{next(counter)}",
    )
    drain(sim)
    return sim


def said(out: list[ServerOutput]) -> str:
    return "".join(o.text for o in out if isinstance(o, OutputTranscription))


def test_a_scripted_phrase_calls_with_arguments_and_the_ids_must_match() -> None:
    trigger = ToolTrigger("set_timer", {"minutes": 10}, phrase="remind me")
    sim = make(BLOCKING_ONLY, {"name": "set_timer", "behavior": "BLOCKING"}, tool_triggers=(trigger,))
    sim.handle(TextIn("Remind me in 10 minutes"))
    [call_message] = drain(sim)
    assert isinstance(call_message, ToolCall)
    [call] = call_message.calls
    assert (call.id, call.name, call.args) == ("call-1", "set_timer", {"minutes": 10})
    with pytest.raises(WireError, match="is a call of set_timer"):
        sim.handle(ToolResponse(("call-1",), ("other",), ({},)))
    sim.handle(ToolResponse(("call-1",), ("set_timer",), ({"output": "ok"},), ("WHEN_IDLE",)))
    assert "set_timer returned" in said(drain(sim)), "a blocking call: the answer finishes the turn"


def test_speech_takes_the_next_speech_trigger() -> None:
    sim = make(LIVE, {"name": "get_current_time"}, speech_triggers=(ToolTrigger("get_current_time"),))
    feed(sim, speech(0.5) + bytes(2 * 16_000))
    out = drain(sim)
    [call_message] = [o for o in out if isinstance(o, ToolCall)]
    assert call_message.calls[0].name == "get_current_time"


def _called(sim: SimulatedModel) -> list[ServerOutput]:
    sim.handle(TextIn("call get_current_time"))
    out = drain(sim)
    assert isinstance(out[0], ToolCall)
    assert "I called get_current_time" in said(out), "NON_BLOCKING: the model goes on talking"
    assert isinstance(out[-1], TurnComplete)
    return out


@pytest.mark.parametrize(("scheduling", "spoken"), [("SILENT", False), ("WHEN_IDLE", True), (None, True)])
def test_a_non_blocking_answer_is_spoken_per_its_scheduling(scheduling: str | None, spoken: bool) -> None:
    sim = make(LIVE, {"name": "get_current_time"})
    _called(sim)
    sim.handle(ToolResponse(("call-1",), ("get_current_time",), ({"output": "12:00"},), (scheduling,)))
    out = drain(sim)
    assert ("get_current_time returned" in said(out)) is spoken
    assert not [o for o in out if isinstance(o, Interrupted)]


@pytest.mark.parametrize("scheduling", ["WHEN_IDLE", "INTERRUPT"])
def test_when_idle_waits_for_the_current_reply_and_interrupt_cuts_it(scheduling: str) -> None:
    sim = make(LIVE, {"name": "get_current_time"})
    sim.handle(TextIn("call get_current_time"))
    started = drain(sim, limit=3)  # the toolCall, then the reply "I called …" is under way
    assert isinstance(started[0], ToolCall)
    sim.handle(ToolResponse(("call-1",), ("get_current_time",), ({"output": 1},), (scheduling,)))
    out = drain(sim)
    interrupted = [i for i, o in enumerate(out) if isinstance(o, Interrupted)]
    result_at = next(i for i, o in enumerate(out) if "returned" in getattr(o, "text", ""))
    first_complete = next(i for i, o in enumerate(out) if isinstance(o, TurnComplete))
    if scheduling == "INTERRUPT":
        assert interrupted and interrupted[0] < result_at, "the reply is cut, then the result is spoken"
        assert "will tell you" not in said(out), "the rest of the interrupted reply is dropped"
    else:
        assert not interrupted
        assert "will tell you" in said(out)
        assert first_complete < result_at, "the current reply completes first"


def test_barge_in_cancels_every_pending_call_and_a_late_answer_is_ignored() -> None:
    sim = make(LIVE, {"name": "get_current_time"})
    _called(sim)
    sim.handle(TextIn("never mind"))
    out = drain(sim)
    assert out[0] == ToolCallCancellation(("call-1",))
    sim.handle(ToolResponse(("call-1",), ("get_current_time",), ({"output": 1},), ("WHEN_IDLE",)))
    assert "returned" not in said(drain(sim))


def test_search_grounding_has_the_emulators_fixed_sources() -> None:
    sim = make(LIVE, search=True)
    sim.handle(TextIn("search the weather in Paris"))
    out = drain(sim)
    [grounding] = [o for o in out if isinstance(o, Grounding)]
    assert grounding.sources == EMULATOR_SOURCES
    assert all("emulator" in title.lower() and ".invalid/" in uri for title, uri in grounding.sources)
    assert out.index(grounding) < next(i for i, o in enumerate(out) if isinstance(o, GenerationComplete))
    plain = make(LIVE)
    plain.handle(TextIn("search the weather"))
    assert not [o for o in drain(plain) if isinstance(o, Grounding)], "only with the googleSearch tool"
