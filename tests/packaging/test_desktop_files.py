"""The desktop entry, the AppStream metainfo and ``packaging/install-desktop.sh`` (``make install-desktop``).

The validators come from the Debian packages ``desktop-file-utils`` and ``appstream``
(``packaging/apt-packages.txt``); a missing one fails these tests, since it is a missing install step.
"""

from __future__ import annotations

import configparser
import os
import shutil
import struct
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from desktop_app import __version__
from tests.packaging.program import METAINFO, REPO

DESKTOP = REPO / "packaging" / "gemini-live-desktop.desktop"
INSTALL = REPO / "packaging" / "install-desktop.sh"
COMMAND = REPO / ".venv" / "bin" / "gemini-live-desktop"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: run `make setup` (packaging/apt-packages.txt lists it)")
    return path


def entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


STRING_ESCAPES = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


def exec_argv(value: str) -> list[str]:
    """The argument vector of an ``Exec`` value (Desktop Entry spec: string escapes, then quoting)."""
    unescaped, i = "", 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            unescaped += STRING_ESCAPES.get(value[i + 1], value[i + 1])
            i += 2
        else:
            unescaped += value[i]
            i += 1
    args: list[str] = []
    current, quoted, started, i = "", False, False, 0
    while i < len(unescaped):
        c = unescaped[i]
        if quoted and c == "\\" and i + 1 < len(unescaped) and unescaped[i + 1] in '"`$\\':
            current += unescaped[i + 1]
            i += 1
        elif c == '"':
            quoted, started = not quoted, True
        elif c == " " and not quoted:
            if started:
                args.append(current)
            current, started = "", False
        else:
            current, started = current + c, True
        i += 1
    assert not quoted, f"unbalanced quotes in Exec={value}"
    if started:
        args.append(current)
    return [a.replace("%%", "%") for a in args]


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def install(env_extra: dict[str, str], *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "XDG_DATA_HOME"}
    env.update(HOME=str(home), **env_extra)
    return subprocess.run(
        ["bash", str(INSTALL), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_desktop_entry_is_valid() -> None:
    proc = subprocess.run([tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def test_the_metainfo_is_valid() -> None:
    proc = subprocess.run(
        [tool("appstreamcli"), "validate", "--no-net", str(METAINFO)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    problems = [line for line in proc.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert not problems, proc.stdout


def test_entry_metainfo_and_program_name_the_same_things() -> None:
    desktop = entry(DESKTOP)
    component = ET.parse(METAINFO).getroot()
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert component.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert component.findtext("icon[@type='stock']") == desktop["Icon"]
    assert component.findtext("provides/binary") == desktop["Exec"] == desktop["TryExec"]
    assert desktop["Exec"] in scripts
    assert component.findtext("name") == desktop["Name"]
    assert component.findtext("summary") == desktop["Comment"]
    assert component.findall("releases/release")[0].get("version") == __version__
    # The window calls QGuiApplication.setDesktopFileName with the entry's name (its Wayland app id).
    assert 'setDesktopFileName("gemini-live-desktop")' in (REPO / "desktop_app/ui/window_app.py").read_text()


def installed_files(share: Path) -> set[str]:
    return {p.relative_to(share).as_posix() for p in share.rglob("*") if p.is_file()}


def expected_files() -> set[str]:
    return {
        "applications/gemini-live-desktop.desktop",
        f"metainfo/{METAINFO.name}",
        "icons/hicolor/scalable/apps/gemini-live-desktop.svg",
        *(f"icons/hicolor/{n}x{n}/apps/gemini-live-desktop.png" for n in PNG_SIZES),
    }


def test_install_desktop_honours_xdg_data_home_and_the_entry_starts_the_program(tmp_path: Path) -> None:
    share = tmp_path / "share"
    awkward = tmp_path / "apps with space" / "$HOME`s"
    awkward.mkdir(parents=True)
    (awkward / "gemini-live-desktop").symlink_to(COMMAND)
    command = str(awkward / "gemini-live-desktop")

    proc = install({"XDG_DATA_HOME": str(share)}, "--exec", command, home=tmp_path / "home")
    assert proc.returncode == 0, proc.stderr
    assert installed_files(share) == expected_files()
    assert not (tmp_path / "home").exists(), "wrote under HOME although XDG_DATA_HOME was set"

    installed = share / "applications" / "gemini-live-desktop.desktop"
    check = subprocess.run([tool("desktop-file-validate"), str(installed)], capture_output=True, text=True)
    assert check.returncode == 0 and not check.stdout.strip(), check.stdout
    desktop = entry(installed)
    argv = exec_argv(desktop["Exec"])
    assert argv == [command]
    assert desktop["TryExec"] == command
    started = subprocess.run([*argv, "--version"], capture_output=True, text=True, timeout=60)
    assert started.stdout.strip() == f"gemini-live-desktop {__version__}", started.stderr

    for n in PNG_SIZES:
        assert png_size(share / f"icons/hicolor/{n}x{n}/apps/gemini-live-desktop.png") == (n, n)
    assert (
        (share / "icons/hicolor/scalable/apps/gemini-live-desktop.svg")
        .read_bytes()
        .lstrip()
        .startswith(b"<svg")
    )

    removed = install({"XDG_DATA_HOME": str(share)}, "--uninstall", home=tmp_path / "home")
    assert removed.returncode == 0, removed.stderr
    assert installed_files(share) == set()


def test_install_desktop_defaults_to_the_users_local_share(tmp_path: Path) -> None:
    proc = install({}, "--exec", "gemini-live-desktop", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert installed_files(tmp_path / ".local" / "share") == expected_files()
    assert exec_argv(entry(tmp_path / ".local/share/applications/gemini-live-desktop.desktop")["Exec"]) == [
        "gemini-live-desktop"
    ]


def test_install_desktop_refuses_a_command_that_is_not_executable(tmp_path: Path) -> None:
    proc = install(
        {"XDG_DATA_HOME": str(tmp_path / "share")}, "--exec", str(tmp_path / "nope"), home=tmp_path
    )
    assert proc.returncode == 1
    assert "is not an executable file" in proc.stderr
    assert not (tmp_path / "share").exists()
