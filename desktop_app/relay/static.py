"""Mapping a GET request target to a file under the web root, without ever leaving it.

:func:`resolve_static` is the whole policy and does no reading: it percent-decodes the path once, refuses
dot segments, backslashes, NUL and other control characters, hidden names (``.git``), then resolves
symlinks and checks that the result is still inside the root. Anything else is "not found".
:func:`read_static` reads the file (the assets are small) for the server to send.
"""

from __future__ import annotations

import http
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import unquote

__all__ = ["CONTENT_TYPES", "StaticFile", "content_type_for", "read_static", "resolve_static"]

CONTENT_TYPES: Final = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".wasm": "application/wasm",
    ".woff2": "font/woff2",
}
"""Content types by suffix; JavaScript modules must be ``text/javascript`` or browsers refuse them."""

MAX_STATIC_BYTES: Final = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class StaticFile:
    """A file the request may read: its resolved path and content type."""

    path: Path
    content_type: str


def content_type_for(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def _bad_segment(segment: str) -> bool:
    if segment in (".", "..") or segment.startswith("."):
        return True
    return any(ch in "\\:" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in segment)


def resolve_static(root: Path, target: str) -> StaticFile | http.HTTPStatus:
    """The file for request target ``target`` (path plus optional query) under ``root``.

    Returns ``BAD_REQUEST`` for targets that try to climb out or smuggle characters, ``NOT_FOUND`` for
    anything that is not a regular file inside the resolved root (including symlinks that point out).
    A path ending in ``/`` means its ``index.html``.
    """
    raw_path = target.split("?", 1)[0].split("#", 1)[0]
    if not raw_path.startswith("/"):
        return http.HTTPStatus.BAD_REQUEST
    try:
        decoded = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        return http.HTTPStatus.BAD_REQUEST
    segments = decoded.split("/")
    if any(_bad_segment(s) for s in segments if s):
        return http.HTTPStatus.BAD_REQUEST
    names = [s for s in segments if s]
    if decoded.endswith("/") or not names:
        names.append("index.html")
    try:
        base = root.resolve(strict=True)
        candidate = base.joinpath(*names).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return http.HTTPStatus.NOT_FOUND
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return http.HTTPStatus.NOT_FOUND
    return StaticFile(path=candidate, content_type=content_type_for(candidate))


def read_static(found: StaticFile) -> bytes | None:
    """The file's bytes, or ``None`` when it vanished, cannot be read or is unreasonably large."""
    try:
        if found.path.stat().st_size > MAX_STATIC_BYTES:
            return None
        return found.path.read_bytes()
    except OSError:
        return None
