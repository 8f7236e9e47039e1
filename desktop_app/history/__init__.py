"""Session history: every conversation, appended as it happens, readable and exportable afterwards.

- :mod:`.paths`: where history lives (``<user data dir>/history``; ``GLD_DATA_DIR`` overrides);
- :mod:`.writer`: :class:`HistoryWriter`, an event subscriber that appends JSON lines and fsyncs at turn ends;
- :mod:`.reader`: tolerant loading (a torn last line is skipped), summaries and the turn-by-turn transcript;
- :mod:`.store`: :class:`HistoryStore`, listing sessions and finding one by id (or unique id prefix);
- :mod:`.export`: Markdown and SRT transcripts;
- :mod:`.recorder`: :class:`TwoChannelRecorder`, the opt-in two-channel WAV of both sides;
- :mod:`.cli`: :func:`history_main`, the ``python -m desktop_app history …`` subcommand.
"""

from desktop_app.history.cli import history_main
from desktop_app.history.export import to_markdown, to_srt
from desktop_app.history.paths import history_dir
from desktop_app.history.reader import SessionLog, SessionSummary, Turn, load_session
from desktop_app.history.recorder import TwoChannelRecorder
from desktop_app.history.store import HistoryStore
from desktop_app.history.writer import HistoryWriter

__all__ = [
    "HistoryStore",
    "HistoryWriter",
    "SessionLog",
    "SessionSummary",
    "Turn",
    "TwoChannelRecorder",
    "history_dir",
    "history_main",
    "load_session",
    "to_markdown",
    "to_srt",
]
