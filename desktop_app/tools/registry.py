"""The tools of this run: built-ins and MCP servers' tools, by name, with their argument checks.

Use it from the loop thread only. Tools come in groups (``builtin``, or one MCP server's name) so a server's
whole list can be replaced when it changes or removed when it stops. ``on_change`` runs after every change
with the new names (the tool service turns that into a :class:`~desktop_app.core.events.ToolsChanged`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import jsonschema

from desktop_app.tools.spec import ToolDeclaration, ToolSpec

__all__ = ["ToolRegistry", "check_schema"]


def check_schema(schema: dict[str, Any]) -> None:
    """Raise ValueError when ``schema`` is not a JSON Schema object a function may declare."""
    if not isinstance(schema, dict) or schema.get("type", "object") != "object":
        raise ValueError("a tool's parameters must be a JSON Schema of type object")
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ValueError(f"bad parameters schema: {exc.message}") from None


class ToolRegistry:
    """Holds :class:`ToolSpec` values by name; validates arguments against each tool's schema."""

    def __init__(self, on_change: Callable[[tuple[str, ...]], None] | None = None) -> None:
        self._tools: dict[str, ToolSpec] = {}
        self._validators: dict[str, jsonschema.protocols.Validator] = {}
        self._on_change = on_change

    def add(self, spec: ToolSpec) -> None:
        """Add one tool. Raises ValueError for a duplicate name or a bad schema."""
        self._put([spec])

    def replace_group(self, source: str, specs: Iterable[ToolSpec]) -> None:
        """Make ``specs`` the whole set of tools from ``source`` (an empty list removes them)."""
        specs = list(specs)
        for spec in specs:
            if spec.source != source:
                raise ValueError(f"tool {spec.name} is from {spec.source}, not {source}")
        for name in [n for n, s in self._tools.items() if s.source == source]:
            del self._tools[name]
            self._validators.pop(name, None)
        self._put(specs)

    def _put(self, specs: list[ToolSpec]) -> None:
        staged: dict[str, jsonschema.protocols.Validator] = {}
        for spec in specs:
            if spec.name in self._tools or spec.name in staged:
                raise ValueError(f"there is already a tool called {spec.name}")
            check_schema(spec.parameters)
            staged[spec.name] = jsonschema.Draft202012Validator(spec.parameters)
        for spec in specs:
            self._tools[spec.name] = spec
        self._validators.update(staged)
        if self._on_change is not None:
            self._on_change(self.names())

    def get(self, name: str) -> ToolSpec | None:
        return self._tools.get(name)

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._tools))

    def specs(self) -> tuple[ToolSpec, ...]:
        return tuple(self._tools[name] for name in self.names())

    def declarations(self, enabled: Callable[[ToolSpec], bool] = lambda _spec: True) -> list[ToolDeclaration]:
        """What the session declares at setup: every tool ``enabled`` keeps (e.g. not denied), by name."""
        return [spec.declaration() for spec in self.specs() if enabled(spec)]

    def argument_errors(self, name: str, args: Any) -> str | None:
        """None when ``args`` fit tool ``name``'s schema; else one readable sentence about the first error."""
        validator = self._validators[name]
        if not isinstance(args, dict):
            return "the arguments must be an object"
        error = jsonschema.exceptions.best_match(validator.iter_errors(args))
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path)
        return f"{where}: {error.message}" if where else error.message
