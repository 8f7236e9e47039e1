"""What a tool is: its declaration for the model, its risk, its default policy, its timeout, its handler.

A handler is ``async def handler(args) -> ToolOutput | JSON value``. It gets arguments already checked
against the tool's JSON Schema. To fail with a message the model should see, raise :class:`ToolError`; any
other exception is reported as "the tool raised". Return :class:`ToolOutput` to choose the scheduling of one
result; a plain value is wrapped as ``{"output": value}``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.commands import ResponseScheduling

__all__ = [
    "FUNCTION_NAME",
    "NO_ARGS",
    "Handler",
    "Policy",
    "Risk",
    "ToolDeclaration",
    "ToolError",
    "ToolOutput",
    "ToolSpec",
    "object_schema",
    "valid_function_name",
]

FUNCTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$")
"""A name the Gemini API accepts for a function: a letter or underscore, then letters, digits, ``_.:-``,
at most 64 characters."""


def valid_function_name(name: str) -> bool:
    return FUNCTION_NAME.fullmatch(name) is not None


def object_schema(properties: dict[str, Any] | None = None, *required: str) -> dict[str, Any]:
    """The JSON schema of a tool's arguments: an object with these ``properties`` (none: no arguments),
    ``required`` among them, and no others."""
    schema: dict[str, Any] = {"type": "object", "properties": properties or {}}
    if required:
        schema["required"] = list(required)
    schema["additionalProperties"] = False
    return schema


NO_ARGS = object_schema()
"""The schema of a tool that takes no arguments."""


class Risk(enum.StrEnum):
    """What a tool can do, for the consent card and the Tools tab."""

    READS = "reads"  # reads something on this machine (the clock, the clipboard, the history)
    CHANGES = "changes"  # changes something on this machine (the clipboard, a timer, a browser tab)
    REACHES_OUT = "reaches_out"  # sends something beyond this machine (a screenshot to the model, a server)


class Policy(enum.StrEnum):
    """Whether a call runs: at once, after the user says so, or never."""

    ALLOW = "allow"
    ASK = "ask"
    DENY = "deny"


class ToolError(Exception):
    """Raised by a handler for a failure the model should hear about in plain words (``str(exc)``)."""


@dataclass(frozen=True, slots=True)
class ToolOutput:
    """A handler's result with its own scheduling (None: the tool's default)."""

    value: Any
    scheduling: ResponseScheduling | None = None


Handler = Callable[[dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class ToolDeclaration:
    """A backend-neutral function declaration: what live/tool_declarations.py turns into the SDK's type.

    ``parameters`` is a JSON Schema object. ``blocking`` is decided by the model that runs the session, not
    by the tool, so it is not here: the converter takes it.
    """

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One tool. ``name`` must be a valid function name (:func:`valid_function_name`).

    ``timeout_s`` bounds the handler (not the consent wait). ``scheduling`` is the default for its results
    on models that schedule responses: SILENT for side effects the model need not mention, WHEN_IDLE for
    most, INTERRUPT for urgent ones. ``source`` names where it came from (``builtin`` or an MCP server).
    """

    name: str
    description: str
    handler: Handler = field(repr=False, compare=False)
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    risk: Risk = Risk.READS
    policy: Policy = Policy.ASK
    timeout_s: float = 10.0
    scheduling: ResponseScheduling = ResponseScheduling.WHEN_IDLE
    source: str = "builtin"

    def __post_init__(self) -> None:
        if not valid_function_name(self.name):
            raise ValueError(f"{self.name!r} is not a valid function name")
        if self.timeout_s <= 0:
            raise ValueError("a tool's timeout must be positive")

    def declaration(self) -> ToolDeclaration:
        return ToolDeclaration(self.name, self.description, self.parameters)
