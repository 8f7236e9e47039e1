"""The wheel as a user gets it: ``python -m build`` makes the sdist and, from it, the wheel; the wheel goes
into a fresh venv; its ``gemini-live-desktop`` command runs from a directory outside the repository.

Marked ``packaging``. About 20 s with a warm pip cache (the set-up step fills it): the build fetches
setuptools into an isolated environment, the install takes the dependencies from the cache.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_app import __version__
from tests.packaging.program import (
    REPO,
    check_headless_slice,
    check_relay_page,
    check_version,
    run,
    user_env,
)

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(600)]

NAME = f"gemini_live_desktop-{__version__}"


@dataclass(frozen=True)
class Built:
    wheel: Path
    sdist: Path


@dataclass(frozen=True)
class Installed:
    python: Path
    command: Path
    assets: dict[str, Path]  # what desktop_app.resources answers inside the venv


def source_files(folder: str, *, python: bool) -> set[str]:
    """Files under ``REPO/folder`` relative to it: the Python sources, or the data files."""
    root = REPO / folder
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and (p.suffix == ".py") == python
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(REPO)],
        cwd=out, capture_output=True, text=True, timeout=500,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert [w.name for w in wheels] == [f"{NAME}-py3-none-any.whl"]
    assert [s.name for s in sdists] == [f"{NAME}.tar.gz"]
    return Built(wheels[0], sdists[0])


@pytest.fixture(scope="module")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    venv = tmp_path_factory.mktemp("wheel-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # This venv's pip installs into the new one (--python), so the new venv needs no pip of its own.
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--disable-pip-version-check", str(built.wheel)],
        capture_output=True, text=True, timeout=500,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    home = tmp_path_factory.mktemp("wheel-home")
    ask = (
        "import json; from desktop_app import resources as r; "
        "names = ('assets_dir', 'web_dir', 'icons_dir', 'sample_wav'); "
        "print(json.dumps({n: str(getattr(r, n)()) for n in names}))"
    )
    where = run([python, "-c", ask], home, user_env(home))
    assert where.returncode == 0, where.stderr
    assets = {name: Path(path) for name, path in json.loads(where.stdout).items()}
    return Installed(python, venv / "bin" / "gemini-live-desktop", assets)


def test_wheel_and_sdist_carry_the_code_and_every_asset(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        in_wheel = set(wheel.namelist())
    with tarfile.open(built.sdist) as sdist:
        in_sdist = set(sdist.getnames())
    code, data = source_files("desktop_app", python=True), source_files("assets", python=False)
    assert {f"desktop_app/{p}" for p in code} <= in_wheel
    assert {f"desktop_app/_assets/{p}" for p in data} | {"desktop_app/_assets/__init__.py"} <= in_wheel
    assert {f"{NAME}/desktop_app/{p}" for p in code} <= in_sdist
    assert {f"{NAME}/assets/{p}" for p in data} <= in_sdist
    assert not {n for n in in_wheel if n.startswith(("tests/", "assets/", "packaging/"))}
    with zipfile.ZipFile(built.wheel) as wheel:
        entry_points = wheel.read(f"{NAME}.dist-info/entry_points.txt").decode()
    assert "gemini-live-desktop = desktop_app.cli:main" in entry_points


def test_installed_assets_are_the_venvs_own_files(installed: Installed) -> None:
    site = installed.python.parent.parent / "lib"
    for name, path in installed.assets.items():
        assert path.is_relative_to(site), f"{name} resolved to {path}, outside the venv"
        assert path.exists(), path
    assert (installed.assets["web_dir"] / "index.html").is_file()


def test_installed_command_and_module_print_the_version(installed: Installed, tmp_path: Path) -> None:
    env = user_env(tmp_path)
    check_version([installed.command], tmp_path, env)
    check_version([installed.python, "-m", "desktop_app"], tmp_path, env)


def test_installed_command_runs_the_headless_slice_on_its_own_sample(
    installed: Installed, tmp_path: Path
) -> None:
    check_headless_slice([installed.command], installed.assets["sample_wav"], tmp_path, user_env(tmp_path))


def test_installed_relay_serves_the_installed_page(installed: Installed, tmp_path: Path) -> None:
    check_relay_page([installed.command], installed.assets["web_dir"], tmp_path, user_env(tmp_path))
