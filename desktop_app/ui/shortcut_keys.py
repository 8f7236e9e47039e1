"""Every keyboard shortcut the app has, in one table: the window binds from it, the tooltips quote it and the
shortcut sheet (:mod:`desktop_app.ui.shortcut_sheet`) lists it, so none of them can go stale.

Each :class:`Shortcut` names an action, its keys (the first is the one tooltips show) and where it works.
:data:`BOUND` entries are QShortcuts the main window makes (:mod:`desktop_app.ui.main_window` binds each
by :attr:`Shortcut.action`); the others are keys another part handles (a widget: Space, Enter, Ctrl+C, F5;
the tool cards; the desktop presence's caption key), which reads them here with :func:`keys_of`.

The keys avoid well-known meanings that would surprise a user: Ctrl+P prints and Ctrl+H is History in
browsers, Ctrl+D mutes in Google Meet (so here it mutes too), Ctrl+Shift+E shares the screen in Teams.
"""

from __future__ import annotations

import dataclasses
import enum

__all__ = ["BOUND", "SHORTCUTS", "Place", "Shortcut", "keys_of", "shortcut_of", "tip"]


class Place(enum.StrEnum):
    """Where a shortcut works (the sheet's section headings, in this order)."""

    WINDOW = "In the window"
    CONVERSATION = "In the conversation"
    TOOLS = "When Gemini asks to use a tool"
    HISTORY = "In the history panel"


@dataclasses.dataclass(frozen=True, slots=True)
class Shortcut:
    action: str
    """The name the binding code looks it up by."""
    keys: tuple[str, ...]
    """Portable QKeySequence texts; the first is the one tooltips show."""
    what: str
    """What it does, as the sheet says it."""
    place: Place = Place.WINDOW
    bound: bool = True
    """True: the main window makes a QShortcut for each key. False: another part reads its keys here and
    handles them (a widget, the tool cards, the desktop presence)."""


SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("talk_toggle", ("Ctrl+Space",), "Start or stop talking (sending the microphone)"),
    Shortcut("mute", ("Ctrl+M", "Ctrl+D"), "Mute or unmute the microphone"),
    Shortcut("push_to_talk", ("Ctrl+T",), "Switch push-to-talk on or off"),
    Shortcut("talk", ("Space",), "Talk while held (push-to-talk on, outside the text box)", bound=False),
    Shortcut("camera", ("Ctrl+E",), "Turn the camera on or off"),
    Shortcut("screen", ("Ctrl+Shift+E",), "Share a screen, or stop sharing"),
    Shortcut("pause_vision", ("Ctrl+Shift+P",), "Pause or resume sending pictures"),
    Shortcut("headphones", ("Ctrl+Alt+H",), "Headphones mode (echo cancellation off)"),
    Shortcut("volume_up", ("Ctrl+Up",), "Louder"),
    Shortcut("volume_down", ("Ctrl+Down",), "Quieter"),
    Shortcut("captions", ("Ctrl+Shift+C",), "Show or hide the caption overlay", bound=False),
    Shortcut("history", ("Ctrl+H", "Ctrl+Shift+H"), "Past conversations"),
    Shortcut("settings", ("Ctrl+,",), "Settings"),
    Shortcut("shortcuts", ("F1", "Ctrl+/"), "This list of shortcuts"),
    Shortcut("quit", ("Ctrl+Q",), "Quit"),
    Shortcut("composer", ("Ctrl+L",), "Go to the message box", Place.CONVERSATION),
    Shortcut("send", ("Enter",), "Send the message (in the message box)", Place.CONVERSATION, bound=False),
    Shortcut("copy", ("Ctrl+C",), "Copy the selected turns", Place.CONVERSATION, bound=False),
    Shortcut("consent_allow_once", ("Alt+A",), "Allow once (the oldest question)", Place.TOOLS, bound=False),
    Shortcut("consent_always", ("Alt+W",), "Always allow this tool", Place.TOOLS, bound=False),
    Shortcut("consent_deny", ("Alt+D",), "Deny", Place.TOOLS, bound=False),
    Shortcut("history_refresh", ("F5",), "Read the history folder again", Place.HISTORY, bound=False),
    Shortcut("history_search", ("Ctrl+F",), "Search the conversations' words", Place.HISTORY, bound=False),
    Shortcut("history_rename", ("F2",), "Rename the chosen conversation", Place.HISTORY, bound=False),
    Shortcut(
        "history_delete", ("Del",), "Delete the chosen conversation (asks first)", Place.HISTORY, bound=False
    ),
)

BOUND: tuple[Shortcut, ...] = tuple(s for s in SHORTCUTS if s.bound)

_BY_ACTION = {s.action: s for s in SHORTCUTS}


def shortcut_of(action: str) -> Shortcut:
    """The table's entry for ``action`` (KeyError for an unknown one)."""
    return _BY_ACTION[action]


def keys_of(action: str) -> tuple[str, ...]:
    """The keys of ``action``, the main one first."""
    return _BY_ACTION[action].keys


def tip(action: str, text: str) -> str:
    """A tooltip: ``text`` and the action's main key in brackets."""
    return f"{text} ({keys_of(action)[0]})"
