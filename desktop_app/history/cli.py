"""``python -m desktop_app history``: list, search, rename and delete past sessions, export one.

::

    history [list] [--limit N] [--json] [--search WORDS]  id, start, duration, turns, name or first words
    history export ID --format md|srt [-o FILE] ID may be a unique prefix; without -o, prints it
    history rename ID NAME                       names the session ("" removes the name)
    history delete ID --yes                      deletes it with its recordings (--yes: no undo)
    history path                                 prints the history directory

Sessions in which nothing was said are not listed
(:meth:`~desktop_app.history.store.HistoryStore.list_sessions`).

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
        description="List, search, rename and delete past conversations, and export their transcripts.",
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command")
    listing = commands.add_parser("list", parents=[common], help="list past sessions (the default)")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.add_argument("--json", action="store_true", help="one JSON object per session")
    listing.add_argument("--search", default="", help="only sessions holding every one of these words")
    export = commands.add_parser("export", parents=[common], help="write a readable transcript")
    export.add_argument("id", help="session id, or a unique start of it")
    export.add_argument("--format", choices=sorted(_EXPORTERS), default="md")
    export.add_argument("-o", "--output", type=Path, help="write here instead of printing")
    rename = commands.add_parser("rename", parents=[common], help="give a session a name")
    rename.add_argument("id", help="session id, or a unique start of it")
    rename.add_argument("name", help='the name ("" removes it)')
    delete = commands.add_parser("delete", parents=[common], help="delete a session and its recordings")
    delete.add_argument("id", help="session id, or a unique start of it")
    delete.add_argument("--yes", action="store_true", help="really delete (there is no undo)")
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
        search = getattr(args, "search", "")
        return _list(store, getattr(args, "limit", 50), getattr(args, "json", False), out, search)
    if command in ("rename", "delete"):
        return _change(store, args, out, err)
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


def _change(store: HistoryStore, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``rename`` or ``delete`` (the latter only with ``--yes``)."""
    if args.command == "delete" and not args.yes:
        print(f"Deleting {args.id} cannot be undone: add --yes to delete it.", file=err)
        return 2
    try:
        if args.command == "rename":
            kept = store.rename(args.id, args.name)
            print(f"renamed {store.find(args.id).stem}: {kept or '(no name)'}", file=out)
        else:
            removed = store.delete(args.id)
            print(f"deleted {len(removed)} file{'s' if len(removed) != 1 else ''}", file=out)
    except SessionNotFound as exc:
        print(exc, file=err)
        return 1
    except OSError as exc:
        print(f"The session could not be changed ({exc}).", file=err)
        return 1
    return 0


def _list(store: HistoryStore, limit: int, as_json: bool, out: TextIO, search: str = "") -> int:
    sessions = store.list_sessions(limit=max(0, limit), matching=search)
    if as_json:
        for s in sessions:
            record = {
                "id": s.id,
                "started_at": s.started_at,
                "duration_s": round(s.duration_s, 1),
                "turns": s.turns,
                "first_words": s.first_words,
                "title": s.title,
                "complete": s.complete,
                "reconnects": s.reconnects,
                "errors": s.errors,
                "path": str(s.path),
            }
            print(json.dumps(record, ensure_ascii=False), file=out)
        return 0
    if not sessions:
        what = f"No past session holds {search!r}" if search.strip() else "No past sessions"
        print(f"{what} in {store.directory}.", file=out)
        return 0
    print(f"{'ID':<22} {'STARTED':<25} {'DURATION':>10} {'TURNS':>5}  FIRST WORDS", file=out)
    for s in sessions:
        mark = "" if s.complete else " (cut short)"
        print(
            f"{s.id:<22} {s.started_at:<25} {format_duration(s.duration_s):>10} {s.turns:>5}  "
            f"{f'{s.title}: ' if s.title else ''}{s.match or s.first_words}{mark}",
            file=out,
        )
    return 0
