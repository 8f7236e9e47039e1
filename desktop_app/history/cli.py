"""``python -m desktop_app history``: list past sessions and export one as a readable transcript.

::

    history [list] [--limit N] [--json]         id, start, duration, turns, first words (newest first)
    history export ID --format md|srt [-o FILE] ID may be a unique prefix; without -o, prints it
    history path                                 prints the history directory

``--dir DIR`` (before or after the command) reads another history directory; otherwise ``GLD_DATA_DIR`` or
the user data directory applies (:func:`~desktop_app.history.paths.history_dir`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from desktop_app.history.export import format_duration, to_markdown, to_srt
from desktop_app.history.store import HistoryStore, SessionNotFound

__all__ = ["history_main"]

_EXPORTERS = {"md": to_markdown, "srt": to_srt}


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--dir", type=Path, default=argparse.SUPPRESS, help="history directory to read")
    parser = argparse.ArgumentParser(
        prog="python -m desktop_app history",
        description="List past conversations and export their transcripts.",
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command")
    listing = commands.add_parser("list", parents=[common], help="list past sessions (the default)")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.add_argument("--json", action="store_true", help="one JSON object per session")
    export = commands.add_parser("export", parents=[common], help="write a readable transcript")
    export.add_argument("id", help="session id, or a unique start of it")
    export.add_argument("--format", choices=sorted(_EXPORTERS), default="md")
    export.add_argument("-o", "--output", type=Path, help="write here instead of printing")
    commands.add_parser("path", parents=[common], help="print the history directory")
    return parser


def history_main(argv: list[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the ``history`` subcommand with ``argv`` (the words after ``history``). Returns the exit code:
    0 on success, 1 when a session is not found or a file cannot be written, 2 for bad arguments."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    store = HistoryStore(getattr(args, "dir", None))
    command = args.command or "list"
    if command == "path":
        print(store.directory, file=out)
        return 0
    if command == "list":
        return _list(store, getattr(args, "limit", 50), getattr(args, "json", False), out)
    try:
        log = store.load(args.id)
    except SessionNotFound as exc:
        print(exc, file=err)
        return 1
    except OSError as exc:
        print(f"The session file cannot be read ({exc}).", file=err)
        return 1
    text = _EXPORTERS[args.format](log)
    if args.output is None:
        out.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"{args.output} cannot be written ({exc}).", file=err)
        return 1
    print(f"wrote {args.output}", file=err)
    return 0


def _list(store: HistoryStore, limit: int, as_json: bool, out: TextIO) -> int:
    sessions = store.list_sessions(limit=max(0, limit))
    if as_json:
        for s in sessions:
            record = {
                "id": s.id,
                "started_at": s.started_at,
                "duration_s": round(s.duration_s, 1),
                "turns": s.turns,
                "first_words": s.first_words,
                "complete": s.complete,
                "reconnects": s.reconnects,
                "errors": s.errors,
                "path": str(s.path),
            }
            print(json.dumps(record, ensure_ascii=False), file=out)
        return 0
    if not sessions:
        print(f"No past sessions in {store.directory}.", file=out)
        return 0
    print(f"{'ID':<22} {'STARTED':<25} {'DURATION':>10} {'TURNS':>5}  FIRST WORDS", file=out)
    for s in sessions:
        mark = "" if s.complete else " (cut short)"
        print(
            f"{s.id:<22} {s.started_at:<25} {format_duration(s.duration_s):>10} {s.turns:>5}  "
            f"{s.first_words}{mark}",
            file=out,
        )
    return 0
