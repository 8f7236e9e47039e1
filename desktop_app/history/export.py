"""Readable transcripts of a loaded session: Markdown for reading, SRT for subtitles.

Times come from the history's ``t`` (seconds since the session started, when each piece arrived). Thought
summaries go into Markdown as collapsed ``<details>`` blocks (they were never spoken, so SRT leaves them out).
"""

from __future__ import annotations

import re
from datetime import datetime

from desktop_app.history.reader import Notice, SessionLog, Turn

__all__ = ["export_file_name", "format_duration", "to_markdown", "to_srt"]

NAME_WORDS = 6
"""How many of the session's first words an export's suggested file name carries."""
NAME_CHARS = 48
"""At most this many characters of words in the suggested file name (cut at a word)."""

USER_LABEL = "You"
MODEL_LABEL = "Gemini"
_MIN_CUE_S = 1.0


def format_duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``1 h 02 min``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _clock(t: float | None) -> str:
    seconds = int(t or 0)
    return (
        f"{seconds // 60:02d}:{seconds % 60:02d}"
        if seconds < 3600
        else f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    )


def _clean(text: str) -> str:
    return " ".join(text.split())


def to_markdown(log: SessionLog) -> str:
    """The whole conversation as Markdown: a header line, then who said what, with times and notices."""
    header = log.header
    facts = [
        log.started_at or "unknown start",
        format_duration(log.duration_s),
        f"{sum(1 for t in log.turns if t.complete)} turns",
    ]
    if header.get("backend"):
        facts.append(f"backend {header['backend']}")
    if header.get("model"):
        facts.append(f"model {header['model']}")
    lines = [f"# Conversation {log.id}", "", " · ".join(facts), ""]
    if not log.complete:
        lines += [
            "> The session did not end cleanly (the program stopped); the last turn may be cut short.",
            "",
        ]
    entries: list[tuple[float, int, str]] = []
    for turn in log.turns:
        entries += _turn_lines(turn)
    for notice in log.notices:
        entries.append((notice.t, 2, _notice_line(notice)))
    entries.sort(key=lambda entry: (entry[0], entry[1]))
    lines += [text for _, _, text in entries]
    return "\n".join(lines).rstrip() + "\n"


def _turn_lines(turn: Turn) -> list[tuple[float, int, str]]:
    out = []
    if turn.user.strip():
        at = turn.user_start or 0.0
        out.append((at, 0, f"**{USER_LABEL}** ({_clock(at)}): {_clean(turn.user)}\n"))
    if turn.thoughts.strip():
        at = turn.thought_start or 0.0
        summary = f"<summary>{MODEL_LABEL}'s thoughts ({_clock(at)})</summary>"
        out.append((at, 1, f"<details>{summary}\n\n{_html_text(turn.thoughts.strip())}\n\n</details>\n"))
    if turn.model.strip() or turn.interrupted:
        at = turn.model_start if turn.model_start is not None else (turn.end or turn.user_end or 0.0)
        suffix = " *(interrupted)*" if turn.interrupted else ""
        if not turn.complete and not turn.interrupted:
            suffix += " *(cut short)*"
        if turn.background:
            suffix += " *(went on working in the background)*"
        out.append((at, 1, f"**{MODEL_LABEL}** ({_clock(at)}): {_clean(turn.model)}{suffix}\n"))
    if turn.sources or turn.search_queries:
        at = turn.model_start if turn.model_start is not None else (turn.end or 0.0)
        out.append((at, 1, _sources_line(turn)))
    return out


def _sources_line(turn: Turn) -> str:
    """``Sources: [title](uri), …`` with the searches run, under the reply they grounded."""
    links = [
        f"[{_link_text(title or uri)}](<{uri}>)" if uri else _clean(title) for title, uri in turn.sources
    ]
    line = "Sources: " + (", ".join(links) if links else "none")
    if turn.search_queries:
        line += " (searched: " + "; ".join(_clean(q) for q in turn.search_queries) + ")"
    return line + "\n"


def _link_text(text: str) -> str:
    return _clean(text).replace("[", "\\[").replace("]", "\\]")


def _html_text(text: str) -> str:
    """``text`` safe inside an HTML block: a thought cannot close the ``<details>`` around it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _notice_line(notice: Notice) -> str:
    what = {"error": "error", "reconnecting": "reconnecting", "closed": "session closed", "tool": "tool"}.get(
        notice.kind, notice.kind
    )
    return f"> _{_clock(notice.t)} — {what}: {_clean(notice.text)}_\n"


def _srt_time(t: float) -> str:
    millis = round(max(0.0, t) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d},{millis:03d}"


def to_srt(log: SessionLog) -> str:
    """Subtitles: one cue per user utterance and per model answer, in time order, never overlapping
    backwards (a cue ends no earlier than it starts plus one second, and no later than the next starts)."""
    cues: list[tuple[float, float, str]] = []
    for turn in log.turns:
        if turn.user.strip() and turn.user_start is not None:
            end = max(turn.user_end or turn.user_start, turn.user_start + _MIN_CUE_S)
            cues.append((turn.user_start, end, f"{USER_LABEL}: {_clean(turn.user)}"))
        if turn.model.strip() and turn.model_start is not None:
            end = turn.end if turn.end is not None else log.duration_s
            end = max(end, turn.model_start + _MIN_CUE_S)
            suffix = " [interrupted]" if turn.interrupted else ""
            cues.append((turn.model_start, end, f"{MODEL_LABEL}: {_clean(turn.model)}{suffix}"))
    cues.sort(key=lambda cue: cue[0])
    blocks = []
    for number, (start, end, text) in enumerate(cues, 1):
        if number < len(cues):
            following = cues[number][0]
            if following > start:
                end = min(end, following)
        blocks.append(f"{number}\n{_srt_time(start)} --> {_srt_time(end)}\n{text}\n")
    return "\n".join(blocks)


def export_file_name(log: SessionLog, fmt: str) -> str:
    """The file name to suggest for an export: the day the session started and its first words (its name,
    when the user gave it one), e.g. ``2026-12-06-good-morning-can-you-hear-me.md``. Only letters and
    digits of the words are kept (any script), joined by ``-``, so the name is safe on every file system."""
    try:
        day = datetime.fromisoformat(log.started_at).date().isoformat()
    except ValueError:
        day = ""
    words = log.title
    if not words:
        words = next((text for turn in log.turns if (text := (turn.user or turn.model).strip())), "")
    slug = "-".join(re.sub(r"[\W_]+", " ", words).casefold().split()[:NAME_WORDS])
    if len(slug) > NAME_CHARS:
        slug = slug[:NAME_CHARS].rsplit("-", 1)[0] if "-" in slug[:NAME_CHARS] else slug[:NAME_CHARS]
    stem = "-".join(part for part in (day, slug or "conversation") if part)
    return f"{stem}.{fmt}"
