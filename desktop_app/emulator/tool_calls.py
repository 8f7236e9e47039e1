"""Function calls in the emulator: the declaration rules, the triggers, and the book of pending calls.

Sans-I/O; the simulated model (``model``) drives it. What the emulator does with tools:

- :func:`check_tools` refuses, with 1007 and a reason naming the rule, a declaration the service documents
  as invalid (the rules are quoted from the ``FunctionDeclaration`` field docs of google-genai, the text the
  API reference publishes): the name "Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or
  contain underscores, dots, colons and dashes, with a maximum length of 128"; ``parametersJsonSchema``
  "must describe an object" and "is mutually exclusive with ``parameters``"; parameter names "must start
  with a letter or an underscore and must only contain chars a-z, A-Z, 0-9, or underscores with a maximum
  length of 64"; and the same name declared twice. Gemini 3.1 runs functions synchronously only, so a
  NON_BLOCKING declaration on it is refused too (``shared/research/models-and-tools-2026.md``).
- A call is made when the user's text names a declared function (``reply_text.named_functions``) or holds
  the phrase of a configured :class:`ToolTrigger` (which also gives the arguments); each utterance of
  speech takes the next of the configured speech triggers, since the emulator cannot transcribe speech.
- :class:`PendingCalls` keeps every id it issued: an answer for an id never issued, or under another
  function's name, closes 1007; an answer for a cancelled or already answered call is ignored, as the
  service ignores a late answer. Scheduling applies to NON_BLOCKING calls only ("Only applicable to
  NON_BLOCKING function calls, is ignored otherwise"); on a model that runs functions BLOCKING only, an
  answer that carries scheduling is recorded in ``PendingCalls.scheduling_on_blocking_model`` (tests assert
  that the client sent none).
- With the ``googleSearch`` tool, a typed turn that asks to search or look something up gets grounding
  metadata with :data:`EMULATOR_SOURCES`, fixed and clearly marked as the emulator's (no search is run).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop_app.emulator import messages, reply_text
from desktop_app.emulator.parse import SetupRequest
from desktop_app.emulator.protocol_errors import invalid

__all__ = [
    "BLOCKING_ONLY_MODELS",
    "DEMO_TRIGGERS",
    "EMULATOR_SOURCES",
    "NON_BLOCKING_DEFAULT_MODELS",
    "PendingCalls",
    "ToolTrigger",
    "asks_to_search",
    "check_tools",
    "declared_search",
    "new_call_id",
    "triggered_calls",
]

BLOCKING_ONLY_MODELS = frozenset({"gemini-3.1-flash-live-preview"})
"""Models whose function calls are synchronous only: the model waits for every answer; no scheduling."""

NON_BLOCKING_DEFAULT_MODELS = frozenset({"gemini-3.8-live", "gemini-3.8-live-extended-thinking"})
"""Models that run a function without a ``behavior`` NON_BLOCKING ("async by default")."""

_FUNCTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$")
_PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")

EMULATOR_SOURCES: tuple[tuple[str, str], ...] = (
    ("Offline emulator: fixed source 1 (no search was run)", "https://emulator.invalid/source-1"),
    ("Offline emulator: fixed source 2 (no search was run)", "https://emulator.invalid/source-2"),
)
"""(title, uri) of the grounding sources the emulator returns: marked as its own, on a reserved domain."""

_SEARCH_WORDS = re.compile(r"\b(search|look\s+up|google)\b", re.IGNORECASE)


def new_call_id() -> str:
    return f"function-call-{secrets.token_hex(8)}"


@dataclass(frozen=True, slots=True)
class ToolTrigger:
    """A scripted call: text holding ``phrase`` (any case; empty for speech) calls ``name`` with ``args``.

    Only a declared function is called, unless ``undeclared`` (a model that names a function it was not
    given: the client must answer "unknown tool").
    """

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)
    phrase: str = ""
    undeclared: bool = False


DEMO_TRIGGERS: tuple[ToolTrigger, ...] = (
    ToolTrigger("get_current_time", phrase="what time is it"),
    ToolTrigger("open_url", {"url": "https://github.com/google-gemini"}, phrase="open the project page"),
    ToolTrigger("take_screenshot", phrase="what's on my screen"),
    ToolTrigger("set_timer", {"seconds": 600, "label": "reminder"}, phrase="remind me in 10 minutes"),
)
"""The emulator's default typed triggers: the sentences of issue 14's "done when" list, for demos."""


def check_tools(setup: SetupRequest) -> None:
    """Raise WireError (1007, naming the rule) for a tool declaration the service refuses."""
    seen: set[str] = set()
    model = setup.model_id
    for tool in setup.raw.get("tools", ()):
        for declaration in tool.get("functionDeclarations", ()):
            name = str(declaration.get("name", ""))
            if not _FUNCTION_NAME.fullmatch(name):
                raise invalid(
                    "function_declarations name must start with a letter or an underscore and hold only "
                    f"a-z, A-Z, 0-9, _ . : - (at most 128): {name[:24]!r}"
                )
            if name in seen:
                raise invalid(f"function_declarations name {name!r} is declared twice.")
            seen.add(name)
            if "parameters" in declaration and "parametersJsonSchema" in declaration:
                raise invalid(f"{name}: parameters_json_schema is mutually exclusive with parameters.")
            schema = declaration.get("parametersJsonSchema")
            if schema is not None:
                _check_object_schema(name, schema)
            if model in BLOCKING_ONLY_MODELS and declaration.get("behavior") == "NON_BLOCKING":
                raise invalid(
                    f"function_declarations behavior NON_BLOCKING is not supported by models/{model}."
                )


def _check_object_schema(name: str, schema: object) -> None:
    if not isinstance(schema, dict) or schema.get("type", "object") != "object":
        raise invalid(f"{name}: parameters_json_schema must describe an object (type: object).")
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        raise invalid(f"{name}: parameters_json_schema properties must be an object.")
    for parameter in properties:
        if not _PARAMETER_NAME.fullmatch(str(parameter)):
            raise invalid(
                f"{name}: parameter name {parameter!r} is invalid: it must start with a letter or an "
                "underscore and contain only a-z, A-Z, 0-9 and underscores (at most 64)."
            )
    required = schema.get("required", [])
    if not isinstance(required, list) or any(r not in properties for r in required):
        raise invalid(f"{name}: parameters_json_schema required names a parameter not in properties.")


def declared_search(setup: SetupRequest) -> bool:
    return any("googleSearch" in tool for tool in setup.raw.get("tools", ()))


def asks_to_search(text: str) -> bool:
    return _SEARCH_WORDS.search(text) is not None


def triggered_calls(
    text: str, setup: SetupRequest, triggers: Sequence[ToolTrigger]
) -> list[tuple[str, dict[str, Any]]]:
    """The (name, args) of the declared functions ``text`` calls: scripted phrases first, then names."""
    lowered = text.lower()
    declared = setup.function_names
    calls = [
        (t.name, dict(t.args))
        for t in triggers
        if t.phrase and t.phrase.lower() in lowered and (t.name in declared or t.undeclared)
    ]
    named = {name for name, _args in calls}
    calls += [(n, {}) for n in reply_text.named_functions(text, declared) if n not in named]
    return calls


@dataclass(slots=True)
class _Call:
    name: str
    blocking: bool


class PendingCalls:
    """Every call issued on one connection and which still await their answer."""

    def __init__(self, setup: SetupRequest) -> None:
        self._setup = setup
        self._issued: dict[str, str] = {}  # id → name, every call ever issued
        self._pending: dict[str, _Call] = {}
        self.scheduling_on_blocking_model = 0
        behaviors: dict[str, str] = {}
        for tool in setup.raw.get("tools", ()):
            for declaration in tool.get("functionDeclarations", ()):
                behaviors[str(declaration.get("name", ""))] = str(declaration.get("behavior", ""))
        self._behaviors = behaviors

    def blocking(self, name: str) -> bool:
        """Whether the model waits for the answer to ``name`` (the declaration's behaviour, the model's)."""
        model = self._setup.model_id
        if model in BLOCKING_ONLY_MODELS:
            return True
        behavior = self._behaviors.get(name, "")
        if behavior in ("BLOCKING", "NON_BLOCKING"):
            return behavior == "BLOCKING"
        return model not in NON_BLOCKING_DEFAULT_MODELS

    def issue(self, call_id: str, name: str, args: dict[str, Any]) -> messages.FunctionCall:
        self._issued[call_id] = name
        self._pending[call_id] = _Call(name, self.blocking(name))
        return messages.FunctionCall(call_id, name, args)

    @property
    def pending(self) -> tuple[str, ...]:
        return tuple(self._pending)

    def cancel_all(self) -> tuple[str, ...]:
        """The ids of every pending call, now cancelled (their answers will be ignored)."""
        ids = tuple(self._pending)
        self._pending.clear()
        return ids

    def answer(self, call_id: str, name: str, scheduling: str | None) -> tuple[bool, str | None, str] | None:
        """Take the answer to ``call_id``: (blocking, scheduling to honour, the function), or None to
        ignore it.

        Raises WireError (1007) for an id never issued or a name that is not the call's.
        """
        issued = self._issued.get(call_id)
        if issued is None:
            raise invalid(f"function_responses id {call_id!r} matches no function call.")
        if name and name != issued:
            raise invalid(f"function_responses id {call_id!r} is a call of {issued}, not of {name}.")
        call = self._pending.pop(call_id, None)
        if call is None:
            return None  # cancelled or answered before: ignored
        if call.blocking:
            if scheduling is not None and self._setup.model_id in BLOCKING_ONLY_MODELS:
                self.scheduling_on_blocking_model += 1
            return True, None, call.name  # "ignored otherwise"
        return False, scheduling or "WHEN_IDLE", call.name
