"""One window per user: the lock, the QLocalServer and the plain-socket client that the CLI uses."""

from __future__ import annotations

import concurrent.futures
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.ui.instance_client import COMMANDS, InstanceLock, NoInstanceError, send_command, socket_path
from desktop_app.ui.instance_server import InstanceServer
from tests.ui.desktop_harness import runtime_dir  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def test_only_one_process_holds_the_lock_until_it_lets_go(runtime_dir: Path) -> None:  # noqa: F811
    first = InstanceLock.acquire()
    assert first is not None
    assert InstanceLock.acquire() is None
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from desktop_app.ui.instance_client import InstanceLock as L; print(L.acquire())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "None", "another process cannot take it either"
    first.release()
    second = InstanceLock.acquire()
    assert second is not None
    second.release()


def test_the_server_answers_each_command_and_refuses_others(qtbot: QtBot, runtime_dir: Path) -> None:  # noqa: F811
    server = InstanceServer()
    assert server.listen() and socket_path().exists()
    received: list[str] = []
    server.command.connect(received.append)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        for command in sorted(COMMANDS):
            future = pool.submit(send_command, command)
            qtbot.waitUntil(future.done, timeout=5000)
            assert future.result() == "ok"
        assert received == sorted(COMMANDS)
        with pytest.raises(ValueError):
            send_command("rm -rf")
        raw = pool.submit(_raw_exchange, b"format-disk\n")
        qtbot.waitUntil(raw.done, timeout=5000)
        assert raw.result().startswith(b"error: unknown command")
    assert received == sorted(COMMANDS)
    server.close()
    with pytest.raises(NoInstanceError):
        send_command("show", timeout_s=1)


def test_a_stale_socket_file_is_replaced_by_the_lock_holder(qtbot: QtBot, runtime_dir: Path) -> None:  # noqa: F811
    socket_path().write_text("left by a crash")
    server = InstanceServer()
    assert server.listen()
    server.close()


def test_without_a_running_window_the_client_says_so(runtime_dir: Path) -> None:  # noqa: F811
    with pytest.raises(NoInstanceError, match="no Gemini Live window is running"):
        send_command("toggle-mute", timeout_s=1)


def _raw_exchange(data: bytes) -> bytes:
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(str(socket_path()))
        sock.sendall(data)
        return sock.recv(1024)


def test_another_configuration_directory_is_another_instance(tmp_path: Path) -> None:
    a = socket_path({"GLD_CONFIG_DIR": str(tmp_path / "a"), "XDG_RUNTIME_DIR": str(tmp_path)})
    b = socket_path({"GLD_CONFIG_DIR": str(tmp_path / "b"), "XDG_RUNTIME_DIR": str(tmp_path)})
    user = socket_path({"XDG_RUNTIME_DIR": str(tmp_path)})
    assert len({a, b, user}) == 3 and user == tmp_path / "gemini-live-desktop" / "instance.sock"


def test_a_runtime_directory_too_deep_for_a_unix_socket_gets_a_short_stand_in(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    path = socket_path({"XDG_RUNTIME_DIR": str(deep)})
    assert len(str(path)) <= 100 and path.parent.is_dir()
    assert path == socket_path({"XDG_RUNTIME_DIR": str(deep)}), "the same for every process"
