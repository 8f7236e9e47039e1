"""The relay protocol's tool messages (docs/relay-protocol.md, "Tools"): JSON ⇄ values. No I/O, no state.

Relay → page: ``tool_call`` (a call of this page's session, ``needs_consent`` when the page must answer a
card), ``tool_result`` (how it ended) and ``grounding`` (the search queries and sources of a grounded
reply). Page → relay: ``tool_consent``, decoded by :func:`decode_tool_consent`, which never raises. Each is
a top-level key the tutorial's page ignores.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

from desktop_app.relay.json_fields import short, snake_fields, type_error
from desktop_app.relay.messages import ProtocolError, ToolConsent
from desktop_app.tools.consent import ConsentAnswer

__all__ = [
    "MAX_CALL_ID_CHARS",
    "decode_tool_consent",
    "encode_grounding",
    "encode_tool_call",
    "encode_tool_result",
]

MAX_CALL_ID_CHARS: Final = 200
_DECISIONS: Final = tuple(answer.value for answer in ConsentAnswer)


def decode_tool_consent(body: object) -> ToolConsent | ProtocolError:
    """``{"id": "<call id>", "decision": "allow_once" | "always" | "deny"}``."""
    expected = 'an object like {"id": "…", "decision": "allow_once"}'
    if not isinstance(body, dict):
        return type_error("tool_consent", expected)
    fields = snake_fields(body)
    unknown = [name for name in fields if name not in ("id", "decision")]
    if unknown:
        return type_error(
            f"tool_consent.{short(unknown[0])}", "absent; tool_consent takes only 'id' and 'decision'"
        )
    call_id = fields.get("id")
    if not isinstance(call_id, str) or not call_id or len(call_id) > MAX_CALL_ID_CHARS:
        return type_error(
            "tool_consent.id", f"the id of a tool_call (a string of 1–{MAX_CALL_ID_CHARS} characters)"
        )
    decision = fields.get("decision")
    if not isinstance(decision, str) or decision not in _DECISIONS:
        return type_error("tool_consent.decision", "one of " + ", ".join(f'"{d}"' for d in _DECISIONS))
    return ToolConsent(call_id, ConsentAnswer(decision))


def _dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)


def encode_tool_call(call_id: str, name: str, args: Mapping[str, Any], *, needs_consent: bool) -> str:
    """``{"tool_call": {"id", "name", "args", "needs_consent"}}``; answer it with ``tool_consent`` when
    ``needs_consent``."""
    body = {"id": call_id, "name": name, "args": dict(args), "needs_consent": needs_consent}
    return _dumps({"tool_call": body})


def encode_tool_result(call_id: str, name: str, *, decision: str, outcome: str, summary: str) -> str:
    """``{"tool_result": {"id", "name", "decision", "outcome", "summary"}}``.

    ``outcome`` is ``done``, ``cancelled`` or the error code the model was sent (``denied``, ``no_consent``,
    ``unknown_tool``, ``bad_arguments``, ``timeout``, ``tool_failed``, ``busy``).
    """
    body = {"id": call_id, "name": name, "decision": decision, "outcome": outcome, "summary": summary}
    return _dumps({"tool_result": body})


def encode_grounding(queries: Iterable[str], sources: Iterable[tuple[str, str]]) -> str:
    """``{"grounding": {"queries": [...], "sources": [{"title", "uri"}]}}`` from (title, uri) pairs.

    Only http(s) sources are kept: the page turns each into a link.
    """
    listed = [
        {"title": title or uri, "uri": uri}
        for title, uri in sources
        if uri.lower().startswith(("https://", "http://"))
    ]
    return _dumps({"grounding": {"queries": list(queries), "sources": listed}})
