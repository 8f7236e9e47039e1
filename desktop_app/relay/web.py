"""Where the bundled web page lives. The one place to change when packaging moves the assets."""

from __future__ import annotations

from pathlib import Path

__all__ = ["web_root"]


def web_root() -> Path:
    """The directory holding the bundled page (``assets/web`` in a source checkout).

    The packaging work may switch this to ``importlib.resources``; every caller goes through here.
    """
    return Path(__file__).resolve().parents[2] / "assets" / "web"
