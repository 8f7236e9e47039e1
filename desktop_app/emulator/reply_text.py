"""What the offline model says: the words of each reply, as pure string functions.

Tests and the benchmarks match these sentences (``Offline emulator, turn N: I heard …``), so change them
only together with their readers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from desktop_app.emulator import media, messages

__all__ = ["calling", "frame_note", "function_results", "heard_speech", "named_functions", "said_text"]


def heard_speech(turn: int, duration_s: float, level_dbfs: float, has_audio: bool, frame: str) -> str:
    """The reply to an utterance: how long and loud it was (or that none came), then ``frame``."""
    if has_audio:
        heard = (
            f"I heard {duration_s:.1f} s of speech at {level_dbfs:.0f} dBFS and am playing it back to you."
        )
    else:
        heard = "I heard no audio between activityStart and activityEnd."
    return f"Offline emulator, turn {turn}: {heard} {frame}"


def said_text(turn: int, text: str) -> str:
    """The reply to a typed turn: the text quoted back (cut at 200 characters)."""
    if not text:
        return f"You sent an empty turn. (Offline emulator, turn {turn}.)"
    shown = text if len(text) <= 200 else text[:197] + "…"
    return f'You said: "{shown}". (Offline emulator, turn {turn}.)'


def function_results(turn: int, answered: Sequence[tuple[str, object]]) -> str:
    """The reply once every called function answered: each ``(name, response)`` as JSON (cut)."""
    results = "; ".join(
        f"{name} returned {json.dumps(response, default=str)[:120]}" for name, response in answered
    )
    return f"Offline emulator, turn {turn}: the function {results}."


def calling(turn: int, names: Sequence[str]) -> str:
    """What the model says after starting NON_BLOCKING calls: it goes on without their results."""
    return f"Offline emulator, turn {turn}: I called {', '.join(names)} and will tell you when it answers."


def named_functions(text: str, function_names: Sequence[str]) -> list[str]:
    """The declared functions that ``text`` names, spelled as declared or with spaces for ``_``/``-``."""
    lowered = text.lower()
    names = []
    for name in function_names:
        spoken = name.lower()
        if spoken in lowered or re.sub(r"[_\-]+", " ", spoken) in lowered:
            names.append(name)
    return names


def frame_note(frame: messages.VideoIn | None, info: media.FrameInfo | None) -> str:
    """One sentence on the latest camera frame; ``info`` is its decoded description (None: undecodable)."""
    if frame is None:
        return "No camera frame received."
    if info is None:
        return (
            f"Latest camera frame: {frame.mime_type or 'no MIME type'}, "
            f"{len(frame.data)} bytes, could not be decoded."
        )
    return f"Latest camera frame: {info.width}x{info.height}, average colour {info.hex_colour}."
