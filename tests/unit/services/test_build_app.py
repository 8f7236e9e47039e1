"""build_app assembles each mode from the same services: which parts run in which mode."""

from __future__ import annotations

import pytest

from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.services.app_controller import Services
from tests.unit.services.fakes import MemorySink


def _parts(services: Services) -> set[str]:
    names = ("conversation", "audio", "vision", "relay", "history")
    return {name for name in names if getattr(services, name) is not None}


@pytest.mark.parametrize(
    ("mode", "parts"),
    [
        (Mode.WINDOW, {"conversation", "audio", "vision", "relay", "history"}),
        (Mode.HEADLESS_LIVE, {"conversation", "audio", "vision", "history"}),
        (Mode.HEADLESS_SLICE, {"conversation", "vision"}),
        (Mode.RELAY_ONLY, {"relay"}),
    ],
)
def test_each_mode_runs_its_parts(mode: Mode, parts: set[str]) -> None:
    app = build_app(Settings(), mode, lambda _event: None, sink=MemorySink())
    assert _parts(app.services) == parts
    assert app.services.in_start_order()[0] is app.services.backend, "the backend opens first"
    assert app.services.in_stop_order()[-1] is (app.services.history or app.services.backend)


def test_the_slice_needs_a_sink_for_the_reply() -> None:
    with pytest.raises(ValueError, match="sink"):
        build_app(Settings(), Mode.HEADLESS_SLICE, lambda _event: None)
