"""Every test runs with its own settings and data directories, never the user's."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    base = tmp_path_factory.mktemp("user-dirs")
    monkeypatch.setenv("GLD_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("GLD_DATA_DIR", str(base / "data"))
    return base
