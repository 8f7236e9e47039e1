"""The ``search_history`` tool: find past conversations that mention something.

It reads the history directory on a worker thread, newest sessions first, at most ``max_sessions`` files, and
returns at most ``limit`` matching turns with short snippets.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from desktop_app.history.reader import load_session
from desktop_app.history.store import HistoryStore
from desktop_app.tools.spec import Policy, Risk, ToolSpec, object_schema

__all__ = ["search_history", "search_history_tool"]

SNIPPET = 240


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


def search_history(
    directory: Path | None, query: str, *, limit: int = 5, max_sessions: int = 200
) -> list[dict[str, Any]]:
    """Turns whose words contain every word of ``query`` (case-insensitive), newest first."""
    words = [w for w in query.lower().split() if w]
    if not words:
        return []
    found: list[dict[str, Any]] = []
    for path in HistoryStore(directory).paths()[:max_sessions]:
        try:
            log = load_session(path)
        except OSError:
            continue
        for turn in reversed(log.turns):
            text = f"{turn.user}\n{turn.model}".lower()
            if all(word in text for word in words):
                found.append(
                    {
                        "session": log.id,
                        "started_at": log.started_at,
                        "seconds_into_session": round(turn.start or 0.0),
                        "user": _snippet(turn.user),
                        "assistant": _snippet(turn.model),
                    }
                )
                if len(found) >= limit:
                    return found
    return found


def search_history_tool(directory: Path | None = None) -> ToolSpec:
    """``search_history`` (allowed: it reads only this program's own history)."""

    async def handler(args: dict[str, Any]) -> Any:
        limit = int(args.get("limit", 5))
        matches = await asyncio.to_thread(search_history, directory, args["query"], limit=limit)
        return {"matches": matches} if matches else {"matches": [], "note": "Nothing in the history matches."}

    return ToolSpec(
        "search_history",
        "Search the user's past conversations with this assistant for words; returns matching exchanges.",
        handler,
        object_schema(
            {
                "query": {"type": "string", "minLength": 1, "description": "words to look for"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 20},
            },
            "query",
        ),
        risk=Risk.READS,
        policy=Policy.ALLOW,
        timeout_s=10.0,
    )
