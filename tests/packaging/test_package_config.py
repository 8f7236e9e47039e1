"""The build configuration, the single version source and the asset lookup, checked without building."""

from __future__ import annotations

import re
import tomllib
import wave
import xml.etree.ElementTree as ET

import pytest

import desktop_app
from desktop_app import resources
from desktop_app.cli import main
from desktop_app.relay.web import web_root
from tests.packaging.program import METAINFO, REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def asset_files() -> set[str]:
    """Every data file under assets/, relative to it (what the wheel must carry)."""
    root = REPO / "assets"
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.name != "__init__.py"
    }


def test_every_desktop_app_package_is_listed_for_the_wheel() -> None:
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "desktop_app").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert set(SETUPTOOLS["packages"]) == on_disk | {"desktop_app._assets"}, (
        "pyproject.toml [tool.setuptools] packages must list every package under desktop_app/"
    )


def test_assets_ship_as_the_data_package_and_every_file_matches_a_glob() -> None:
    assert SETUPTOOLS["package-dir"] == {"desktop_app._assets": "assets"}
    assert (REPO / "assets" / "__init__.py").is_file()
    globbed = {
        p.relative_to(REPO / "assets").as_posix()
        for pattern in SETUPTOOLS["package-data"]["desktop_app._assets"]
        for p in (REPO / "assets").glob(pattern)
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert asset_files() <= globbed, f"not shipped: {sorted(asset_files() - globbed)}"


def test_the_version_has_one_source_and_every_mention_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", desktop_app.__version__)
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert SETUPTOOLS["dynamic"]["version"] == {"attr": "desktop_app.__version__"}

    changelog = (REPO / "CHANGELOG.md").read_text()
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", changelog, re.MULTILINE)
    assert released and released[0] == desktop_app.__version__, "CHANGELOG.md's newest release"

    releases = ET.parse(METAINFO).getroot().findall("./releases/release")
    assert releases and releases[0].get("version") == desktop_app.__version__, "the metainfo's newest release"
    assert releases[0].get("date") == re.search(r"^## \[[\d.]+\] - (\S+)$", changelog, re.MULTILINE)[1]

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"gemini-live-desktop {desktop_app.__version__}"


def test_resources_find_the_assets_through_the_installed_package() -> None:
    root = resources.assets_dir()
    assert root.resolve() == (REPO / "assets").resolve()  # the editable install maps the checkout's folder
    assert web_root() == resources.web_dir() == root / "web"
    assert (resources.web_dir() / "index.html").is_file()
    icons = resources.icons_dir()
    assert (icons / "gemini-live-desktop.svg").is_file()
    assert {p.name for p in icons.glob("gemini-live-desktop-*.png")} >= {
        f"gemini-live-desktop-{n}.png" for n in (16, 32, 48, 64, 128, 256)
    }
    with wave.open(str(resources.sample_wav()), "rb") as sample:
        assert sample.getnframes() > 0


def test_a_missing_assets_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "ASSETS_PACKAGE", "desktop_app._no_such_assets")
    missing = r"desktop_app\._no_such_assets\) are not installed"
    with pytest.raises(resources.MissingAssetError, match=missing):
        resources.web_dir()


def test_a_broken_install_makes_relay_only_exit_with_one_error_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(resources, "ASSETS_PACKAGE", "desktop_app._no_such_assets")
    code = main(["--relay-only", "--backend", "emulator", "--relay-port", "0"])
    err = capsys.readouterr().err
    assert code != 0
    assert "error: The program's assets (desktop_app._no_such_assets) are not installed" in err
    assert "Traceback" not in err
