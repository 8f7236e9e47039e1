"""Tools in the live layer: the setup declares them per the model catalog, answers keep their scheduling,
and grounding metadata becomes a typed event."""

from __future__ import annotations

from typing import Any

import pytest
from google.genai import types

from desktop_app.core.commands import FunctionResult, ResponseScheduling, ToolResponse
from desktop_app.core.events import Grounding, GroundingSource, TurnComplete
from desktop_app.live.connect_config import build_connect_config
from desktop_app.live.genai_session import GenaiSession
from desktop_app.live.messages import map_server_message
from desktop_app.live.options import SessionOptions
from desktop_app.tools.spec import ToolDeclaration

CLOCK = ToolDeclaration("get_current_time", "The time.", {"type": "object", "properties": {}})


def _functions(config: types.LiveConnectConfig) -> list[types.FunctionDeclaration]:
    return [f for tool in config.tools or () for f in (tool.function_declarations or ())]  # type: ignore[union-attr]


def _search(config: types.LiveConnectConfig) -> bool:
    return any(tool.google_search is not None for tool in config.tools or ())  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("model", "behavior", "search"),
    [
        ("gemini-3.8-live", types.Behavior.NON_BLOCKING, True),
        ("gemini-3.8-live-extended-thinking", types.Behavior.NON_BLOCKING, True),
        ("gemini-2.5-flash-native-audio-preview-12-2025", types.Behavior.NON_BLOCKING, False),
        ("gemini-3.1-flash-live-preview", types.Behavior.BLOCKING, False),  # runs only blocking calls
    ],
)
def test_the_setup_declares_functions_with_the_models_behaviour(
    model: str, behavior: types.Behavior, search: bool
) -> None:
    config = build_connect_config(SessionOptions(model=model, tools=(CLOCK,), google_search=True))
    [function] = _functions(config)
    assert function.name == "get_current_time"
    assert function.parameters_json_schema == CLOCK.parameters
    assert function.behavior is behavior
    assert _search(config) is search, "googleSearch only where the catalog offers it"


def test_no_tools_and_no_search_leave_tools_unset() -> None:
    assert build_connect_config(SessionOptions()).tools is None
    assert _search(build_connect_config(SessionOptions(google_search=True)))


class RecordingSdk:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def send_tool_response(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


async def test_a_tool_response_keeps_scheduling_and_will_continue() -> None:
    sdk = RecordingSdk()
    result = FunctionResult("c1", "f", {"output": 1}, ResponseScheduling.SILENT, will_continue=True)
    await GenaiSession(sdk, secrets=()).send(ToolResponse((result, FunctionResult("c2", "g"))))
    [call] = sdk.calls
    first, second = call["function_responses"]
    assert first.scheduling is types.FunctionResponseScheduling.SILENT
    assert first.will_continue is True
    assert second.scheduling is None and second.will_continue is None


def test_grounding_metadata_becomes_queries_and_sources() -> None:
    message = types.LiveServerMessage.model_validate(
        {
            "serverContent": {
                "turnComplete": True,
                "groundingMetadata": {
                    "webSearchQueries": ["weather Paris"],
                    "groundingChunks": [
                        {"web": {"uri": "https://example.org/a", "title": "A"}},
                        {"retrievedContext": {"uri": "gs://x"}},
                    ],
                },
            }
        }
    )
    events = map_server_message(message)
    assert Grounding(("weather Paris",), (GroundingSource("A", "https://example.org/a"),)) in events
    assert TurnComplete() in events


def test_empty_grounding_metadata_is_no_event() -> None:
    message = types.LiveServerMessage.model_validate({"serverContent": {"groundingMetadata": {}}})
    assert not [e for e in map_server_message(message) if isinstance(e, Grounding)]
