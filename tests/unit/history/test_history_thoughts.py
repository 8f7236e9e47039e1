"""Thought summaries and background work in history: written by the real writer, read back into their turn
(also those that come after ``turn_complete``), exported to Markdown as collapsed ``<details>`` and left out
of subtitles."""

from __future__ import annotations

from pathlib import Path

from desktop_app.history.export import to_markdown, to_srt
from desktop_app.history.reader import load_session
from tests.support.thought_sessions import extended_thinking_session


def test_thoughts_and_background_work_read_back_into_their_turns(tmp_path: Path) -> None:
    log = load_session(extended_thinking_session(tmp_path))
    first, second = log.turns
    assert first.thoughts == "Listing the days first. Then <the> meetings & calls. Still sorting Tuesday."
    assert first.thought_start == 1.5 and first.background and first.tokens == 120
    assert first.model == "Working on it." and first.complete
    assert (second.user, second.thoughts, second.background) == ("Thanks.", "", False)


def test_markdown_keeps_thoughts_collapsed_and_subtitles_leave_them_out(tmp_path: Path) -> None:
    log = load_session(extended_thinking_session(tmp_path))
    markdown = to_markdown(log)
    block = (
        "<details><summary>Gemini's thoughts (00:01)</summary>\n\n"
        "Listing the days first. Then &lt;the&gt; meetings &amp; calls. Still sorting Tuesday."
        "\n\n</details>\n"
    )
    assert block in markdown
    lines = markdown.splitlines()
    user, details, model = (
        lines.index("**You** (00:01): Plan my week."),
        lines.index(block.splitlines()[0]),
        lines.index("**Gemini** (00:02): Working on it. *(went on working in the background)*"),
    )
    assert user < details < model
    srt = to_srt(log)
    assert "Working on it." in srt and "Listing" not in srt and "Tuesday" not in srt
