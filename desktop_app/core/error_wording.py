"""What a connection problem is called in the window: a plain title, a hint, and the way out. Pure data.

The live session classifies its failures once (:mod:`desktop_app.core.errors`); each ``ErrorEvent`` carries
the class's ``kind`` as its ``code``. :func:`wording_for` maps the codes that mean "the conversation is not
connected" to words for people, and says which action the banner offers. Any other code returns None: it is
a notice, not a connection problem, and the window shows it as it is.

The event's own message is the technical detail (close code, server reason, already redacted): the banner
keeps it behind a disclosure.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

__all__ = ["KEY_URL", "Action", "ErrorWording", "wording_for"]

KEY_URL = "https://aistudio.google.com/apikey"
"""Where a person gets a Gemini API key."""


class Action(enum.StrEnum):
    """The way out the banner offers beside the technical detail."""

    RETRY = "retry"  # reconnect (Retry)
    SET_KEY = "set_key"  # open the API key field (Check key…), Retry beside it
    SETTINGS = "settings"  # open the settings (Open settings…), Retry beside it


@dataclass(frozen=True, slots=True)
class ErrorWording:
    """``title`` says what is wrong, ``hint`` what to do; ``action`` is the banner's main button."""

    title: str
    hint: str
    action: Action = Action.RETRY


def _table(who: str) -> dict[str, ErrorWording]:
    return {
        "connection_lost": ErrorWording(
            f"Can't reach {who} — check your connection",
            "When you are back online, press Retry.",
        ),
        "server_error": ErrorWording(
            f"{who} had a problem on its side",
            "This is usually brief: press Retry in a moment.",
        ),
        "session_not_found": ErrorWording(
            "The conversation could not be resumed",
            "Press Retry to start a fresh one.",
        ),
        "auth": ErrorWording(
            f"{who} did not accept your API key",
            f"Check the key in Settings, or get a new one at {KEY_URL}.",
            Action.SET_KEY,
        ),
        "model_not_found": ErrorWording(
            "This model is not available",
            "Choose another model in Settings.",
            Action.SETTINGS,
        ),
        "invalid_request": ErrorWording(
            f"{who} refused the conversation's settings",
            "Change the setting named in the details (or choose another model) in Settings.",
            Action.SETTINGS,
        ),
        "backend": ErrorWording(
            f"{who} could not be started",
            "Add an API key in Settings, or press Retry.",
            Action.SET_KEY,
        ),
        "live_error": ErrorWording(
            "The conversation stopped",
            "Press Retry to reconnect.",
        ),
    }


def wording_for(code: str, *, demo: bool = False) -> ErrorWording | None:
    """The words for a connection problem with this ``ErrorEvent.code``; None when the code is not one.
    ``demo``: the offline demo answers (it is named so, never "Gemini")."""
    wording = _table("the offline demo" if demo else "Gemini").get(code)
    if wording is None:
        return None
    return replace(wording, title=wording.title[:1].upper() + wording.title[1:])
