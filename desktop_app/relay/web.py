"""Where the bundled web page lives: the relay's static root, found through :mod:`desktop_app.resources`."""

from __future__ import annotations

from pathlib import Path

from desktop_app.resources import web_dir

__all__ = ["web_root"]


def web_root() -> Path:
    """The directory holding the bundled page (``assets/web`` in a source checkout).

    Found through :mod:`importlib.resources`, so it works from a wheel and a PyInstaller bundle too.

    Raises:
        MissingAssetError: the installation has no web page (see :func:`desktop_app.resources.web_dir`).
    """
    return web_dir()
