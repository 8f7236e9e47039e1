"""Where session history is kept."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

__all__ = ["APP_NAME", "DATA_DIR_ENV", "history_dir"]

APP_NAME = "gemini-live-desktop"
DATA_DIR_ENV = "GLD_DATA_DIR"
"""Overrides the user data directory (tests, portable installs); history goes to ``$GLD_DATA_DIR/history``."""


def history_dir(override: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The history directory: ``override`` if given, else ``$GLD_DATA_DIR/history``, else
    ``platformdirs.user_data_dir("gemini-live-desktop")/history``. Nothing is created here."""
    if override is not None:
        return override
    env = os.environ if env is None else env
    base = env.get(DATA_DIR_ENV)
    return (Path(base) if base else Path(platformdirs.user_data_dir(APP_NAME))) / "history"
