"""Listening at launch (issue 18): off by default (the window starts idle), on with ``--listen``,
``GLD_LISTEN_AT_LAUNCH=1`` or the saved setting; the window's controller is built idle unless it is on."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from desktop_app import cli
from desktop_app.cli import _overrides, build_parser
from desktop_app.config import Settings, load_settings


def test_the_window_starts_idle_unless_asked(tmp_path: Path) -> None:
    env = {"GLD_CONFIG_DIR": str(tmp_path)}
    assert load_settings(_overrides(build_parser().parse_args([])), env=env).listen_at_launch is False
    assert "listen_at_launch" not in _overrides(build_parser().parse_args([]))  # the saved choice stays
    flag = _overrides(build_parser().parse_args(["--listen"]))
    assert load_settings(flag, env=env).listen_at_launch is True
    assert load_settings({}, env={**env, "GLD_LISTEN_AT_LAUNCH": "1"}).listen_at_launch is True


@pytest.mark.parametrize(("listen", "idle"), [(False, True), (True, False)])
def test_the_window_controller_is_built_idle_unless_listening_at_launch(
    monkeypatch: pytest.MonkeyPatch, listen: bool, idle: bool
) -> None:
    built: list[dict[str, Any]] = []

    def run_window(settings: Settings, factory: Any, **_kwargs: Any) -> int:
        factory(settings, lambda _event: None)
        return 0

    def build_app(_settings: Settings, _mode: Any, _publish: Any, **kwargs: Any) -> object:
        built.append(kwargs)
        return SimpleNamespace(services=SimpleNamespace(audio=None))  # no audio service: no device flags

    monkeypatch.setattr("desktop_app.ui.app_main.display_available", lambda: True)
    monkeypatch.setattr("desktop_app.ui.app_main.run_window", run_window)
    monkeypatch.setattr("desktop_app.app.build_app", build_app)
    monkeypatch.setattr(cli, "claim_instance", lambda: (FakeLock(), None))
    monkeypatch.setattr("desktop_app.ui.instance_client.InstanceLock", FakeLock)
    assert cli._run_window(Settings(listen_at_launch=listen), None) == 0
    assert built == [{"start_idle": idle}]


class FakeLock:
    def release(self) -> None:
        pass
