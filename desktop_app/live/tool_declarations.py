"""Turn the tool runtime's backend-neutral declarations into the SDK's tool types, and results back.

``blocking`` comes from the model catalog: True for models that run functions only synchronously (BLOCKING),
False for models that run them asynchronously (NON_BLOCKING, with response scheduling). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from google.genai import types

from desktop_app.core.commands import FunctionResult

__all__ = ["Declaration", "build_tools", "function_response"]


class Declaration(Protocol):
    """What :class:`desktop_app.tools.spec.ToolDeclaration` provides."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def parameters(self) -> dict[str, Any]: ...


def build_tools(
    declarations: Iterable[Declaration], *, blocking: bool, google_search: bool = False
) -> list[types.Tool]:
    """The ``tools`` of a ``LiveConnectConfig``: one Tool with every function, then Google Search if asked.

    Returns an empty list when there is nothing to declare (leave ``tools`` unset then).
    """
    behavior = types.Behavior.BLOCKING if blocking else types.Behavior.NON_BLOCKING
    functions = [
        types.FunctionDeclaration(
            name=d.name,
            description=d.description,
            parameters_json_schema=d.parameters,
            behavior=behavior,
        )
        for d in declarations
    ]
    tools: list[types.Tool] = []
    if functions:
        tools.append(types.Tool(function_declarations=functions))
    if google_search:
        tools.append(types.Tool(google_search=types.GoogleSearch()))
    return tools


def function_response(result: FunctionResult) -> types.FunctionResponse:
    """The SDK's ``FunctionResponse`` for one result (scheduling and will_continue only when set)."""
    return types.FunctionResponse(
        id=result.id,
        name=result.name,
        response=result.response,
        scheduling=(
            None if result.scheduling is None else types.FunctionResponseScheduling(result.scheduling.value)
        ),
        will_continue=result.will_continue,
    )
