"""What the main window reads and keeps outside itself: one value that WindowApp builds and hands on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from desktop_app.controller_api import (
    HistoryStore,
    KeyStore,
    MonitorInfo,
    ScreenChoices,
    monitors,
    screen_choices,
)
from desktop_app.ui.window_memory import WindowMemory

__all__ = ["WindowPorts"]


@dataclass(frozen=True, slots=True)
class WindowPorts:
    """``key_store`` keeps the API key, ``memory`` the window's geometry, ``monitor_lister`` lists the
    screens that can be shared, ``screen_chooser`` what the share picker offers (blocking),
    ``history_store`` is what the history panel reads. Each default is the user's real one; a test passes
    its own (a temporary directory, a memory keyring, fixed monitors)."""

    key_store: KeyStore = field(default_factory=KeyStore)
    memory: WindowMemory = field(default_factory=WindowMemory)
    monitor_lister: Callable[[], list[MonitorInfo]] = monitors
    history_store: HistoryStore = field(default_factory=HistoryStore)
    screen_chooser: Callable[[], ScreenChoices] = screen_choices
