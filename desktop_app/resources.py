"""Where the files shipped with the program are: the web page, the icons and the sample utterance.

The one place that finds assets. They live in the repository's top-level ``assets/`` directory, which
``pyproject.toml`` maps to the data package ``desktop_app._assets``; :mod:`importlib.resources` finds that
package the same way from an editable install, an installed wheel and a PyInstaller bundle (whose spec
collects the package's files). Never build asset paths relative to the repository or to ``__file__``.

Every function returns a real directory or file on disk (the relay serves files from it, Qt loads
icons from it) and raises :class:`MissingAssetError` naming what is missing, so a broken install says so
at the first use instead of serving empty pages. It is both a :class:`ConfigError` (the command line shows
it as one error line) and a :class:`FileNotFoundError`.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from desktop_app.core.errors import ConfigError

__all__ = ["ASSETS_PACKAGE", "MissingAssetError", "assets_dir", "icons_dir", "sample_wav", "web_dir"]

ASSETS_PACKAGE = "desktop_app._assets"


class MissingAssetError(ConfigError, FileNotFoundError):
    """A file the program ships with is missing: the installation is broken."""


def assets_dir() -> Path:
    """The directory of the ``desktop_app._assets`` package (``assets/`` in a source checkout).

    Raises:
        MissingAssetError: the package is not installed (a source tree without ``pip install -e .``).
        MissingAssetError: the package was imported from a zip archive, which the program does not support.
    """
    try:
        root = importlib.resources.files(ASSETS_PACKAGE)
    except ModuleNotFoundError as err:
        raise MissingAssetError(
            f"The program's assets ({ASSETS_PACKAGE}) are not installed. "
            "In a source checkout run `make setup` (pip install -e .), or install the wheel."
        ) from err
    if not isinstance(root, Path):
        raise MissingAssetError(f"{ASSETS_PACKAGE} must be installed as files on disk, not inside {root}")
    return root


def _existing(path: Path, what: str) -> Path:
    if not path.exists():
        raise MissingAssetError(f"The {what} is missing from this installation: {path} does not exist.")
    return path


def web_dir() -> Path:
    """The browser page's directory (``index.html``, ``js/``, ``style.css``)."""
    return _existing(assets_dir() / "web", "web page")


def icons_dir() -> Path:
    """The icons' directory: the app icon as SVG and ``gemini-live-desktop-<N>.png``, and ``ui/``."""
    return _existing(assets_dir() / "icons", "icon directory")


def sample_wav() -> Path:
    """The bundled sample utterance (``samples/hello.wav``), for the headless slice and demos."""
    return _existing(assets_dir() / "samples" / "hello.wav", "sample utterance")
