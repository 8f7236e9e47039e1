"""The layering of DESIGN.md §3 is enforced by import-linter contracts in pyproject.toml (`lint-imports`, a
step of tests/run.sh). These tests prove the contracts hold, that each of them can fail, relative imports
included, and that the UI's list of forbidden packages keeps up with new modules."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
CONTRACTS = {c["name"]: c for c in CONFIG["contracts"]}
UI_CONTRACT = "desktop_app.ui imports only desktop_app.core, desktop_app.controller_api and desktop_app.ui"

# One import per contract that it must reject; several are relative, so they prove grimp reads those too.
VIOLATIONS = {
    "audio/zz_qt.py": "from PySide6 import QtCore\n",
    "ui/zz_reaches_live.py": "from ..live import errors\n",
    "core/zz_reaches_config.py": "from .. import config\n",
    "live/zz_reaches_emulator.py": "from ..emulator import model\n",
    "emulator/zz_reaches_relay.py": "from desktop_app.relay import protocol\n",
    "video/zz_reaches_live.py": "from ..live.errors import LiveError\n",
    "history/zz_reaches_bench.py": "from ..bench import stats\n",
    "relay/zz_reaches_tests.py": "from tests.support import audio\n",
    "runtime/zz_reaches_sdk.py": "from google import genai\n",
}


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


def test_every_contract_can_fail(tmp_path: Path) -> None:
    shutil.copytree(
        ROOT / "desktop_app", tmp_path / "desktop_app", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for name, source in VIOLATIONS.items():
        (tmp_path / "desktop_app" / name).write_text(source, encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert f"Contracts: 0 kept, {len(CONTRACTS)} broken." in result.stdout, result.stdout + result.stderr
    for name in VIOLATIONS:
        assert f"desktop_app.{name.removesuffix('.py').replace('/', '.')}" in result.stdout, name


def test_the_ui_contract_forbids_every_other_project_module() -> None:
    """A new desktop_app module is forbidden to the UI until someone decides otherwise, here."""
    modules = {f"desktop_app.{m.name}" for m in pkgutil.iter_modules([str(ROOT / "desktop_app")])}
    allowed = {"desktop_app.core", "desktop_app.controller_api", "desktop_app.ui"}
    assert set(CONTRACTS[UI_CONTRACT]["forbidden_modules"]) == modules - allowed
