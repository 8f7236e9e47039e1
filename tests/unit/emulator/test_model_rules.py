"""What each Live model refuses in a setup (emulator/model_rules.py), each rule with its documented source,
and the extended-thinking model's turn that keeps working after turnComplete."""

from __future__ import annotations

from typing import Any

import pytest

from desktop_app.emulator.config import DEFAULT_MODELS
from desktop_app.emulator.encode import to_json
from desktop_app.emulator.messages import (
    GenerationComplete,
    InteractionStatus,
    TextIn,
    ThoughtPart,
    TurnComplete,
)
from desktop_app.emulator.model import ModelOptions, SimulatedModel
from desktop_app.emulator.model_rules import check_setup
from desktop_app.emulator.parse import parse_setup
from desktop_app.emulator.protocol_errors import INVALID_PAYLOAD, WireError
from desktop_app.emulator.resumption import SessionState

LIVE, EXTENDED = "gemini-3.8-live", "gemini-3.8-live-extended-thinking"
FLASH_31 = "gemini-3.1-flash-live-preview"
NATIVE_25 = "gemini-2.5-flash-native-audio-preview-12-2025"


def setup(model: str, **fields: Any) -> dict[str, Any]:
    return {"setup": {"model": f"models/{model}", **fields}}


def refusal(model: str, **fields: Any) -> WireError:
    with pytest.raises(WireError) as caught:
        check_setup(parse_setup(setup(model, **fields)))
    assert caught.value.code == INVALID_PAYLOAD
    return caught.value


def test_every_catalog_model_is_served() -> None:
    assert {
        LIVE,
        EXTENDED,
        FLASH_31,
        NATIVE_25,
        "gemini-2.5-flash-native-audio-preview-09-2025",
    } <= DEFAULT_MODELS


def test_thinking_config_on_gemini_3_8_live() -> None:
    # gemini-3.8-live model page, migrating from 3.1: "omit thinking_config / thinking_level on 3.8-live"
    error = refusal(LIVE, generationConfig={"thinkingConfig": {"thinkingLevel": "LOW"}})
    assert error.reason == "thinking_config is not supported by models/gemini-3.8-live: omit it."
    for model in (EXTENDED, FLASH_31):
        check_setup(parse_setup(setup(model, generationConfig={"thinkingConfig": {"thinkingLevel": "LOW"}})))


@pytest.mark.parametrize("model", [LIVE, EXTENDED, FLASH_31])
def test_affective_dialog_on_gemini_3(model: str) -> None:
    # 3.8 model page: "affective dialog is removed: remove enable_affective_dialog"; on 3.1 a setup with it
    # never gets setupComplete (PatterAI/Patter PR #210): the emulator closes instead of hanging.
    error = refusal(model, generationConfig={"enableAffectiveDialog": True})
    assert error.reason.startswith("enable_affective_dialog is not supported by")


def test_affective_dialog_and_proactive_audio_on_2_5_are_fine() -> None:
    check_setup(
        parse_setup(
            setup(
                NATIVE_25,
                generationConfig={"enableAffectiveDialog": True},
                proactivity={"proactiveAudio": False},
            )
        )
    )


@pytest.mark.parametrize("model", [LIVE, EXTENDED])
def test_proactive_audio_false_on_3_8(model: str) -> None:
    # 3.8 model page: "proactive audio is always on: proactive_audio: false returns an error"
    error = refusal(model, proactivity={"proactiveAudio": False})
    assert "proactive_audio cannot be false" in error.reason
    check_setup(parse_setup(setup(model, proactivity={"proactiveAudio": True})))


def test_blocking_tools_on_extended_thinking() -> None:
    # model table: gemini-3.8-live-extended-thinking "tools NON_BLOCKING only"
    tools = [{"functionDeclarations": [{"name": "f", "behavior": "BLOCKING"}]}]
    assert "NON_BLOCKING" in refusal(EXTENDED, tools=tools).reason
    check_setup(parse_setup(setup(LIVE, tools=tools)))  # 3.8: "behavior: BLOCKING still works"
    check_setup(parse_setup(setup(EXTENDED, tools=[{"functionDeclarations": [{"name": "f"}]}])))


def extended(include_thoughts: bool) -> SimulatedModel:
    request = parse_setup(
        setup(EXTENDED, generationConfig={"thinkingConfig": {"includeThoughts": include_thoughts}})
    )
    model = SimulatedModel(request, SessionState("s"), options=ModelOptions(background_work=True))
    model.pop()  # setupComplete
    return model


def outputs(model: SimulatedModel) -> list[Any]:
    out = []
    while (item := model.pop()) is not None:
        out.append(item.output)
    return out


def test_extended_thinking_keeps_working_after_turn_complete_then_goes_idle() -> None:
    model = extended(include_thoughts=True)
    model.handle(TextIn("hello"))
    out = outputs(model)
    assert isinstance(out[0], ThoughtPart)  # thought summaries were asked for
    end = out.index(GenerationComplete())
    turn = out[end + 1]
    assert isinstance(turn, TurnComplete) and turn.status == "IN_PROGRESS"
    assert turn.usage is not None and turn.usage.thoughts > 0
    assert isinstance(out[end + 2], ThoughtPart)  # the background work
    assert out[end + 3] == InteractionStatus("IDLE")
    wire = to_json(turn)
    assert wire["serverContent"] == {"turnComplete": True, "interactionStatus": "IN_PROGRESS"}
    assert wire["usageMetadata"]["thoughtsTokenCount"] == turn.usage.thoughts
    assert to_json(out[0])["serverContent"]["modelTurn"]["parts"][0]["thought"] is True


def test_without_thoughts_no_thought_parts_and_an_interruption_ends_the_work() -> None:
    model = extended(include_thoughts=False)
    model.handle(TextIn("hello"))
    model.pop()  # the first piece of the reply went out
    model.handle(TextIn("stop"))  # barge-in
    out = outputs(model)
    assert not any(isinstance(o, ThoughtPart) for o in out)
    cut = next(o for o in out if isinstance(o, TurnComplete))
    assert cut.status == "IDLE"
