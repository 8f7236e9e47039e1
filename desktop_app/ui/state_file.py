"""A JSON snapshot of what the window shows, for end-to-end tests and benchmarks (``GLD_TEST_STATE_FILE``).

When the variable names a file, the window writes its :meth:`MainWindow.snapshot` there: at most every
``interval_ms`` while things change, at once on :meth:`StateFile.write_now`. Writes are atomic (a temporary
file, then ``os.replace``), so a reader never sees half a file. Without the variable nothing is written.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer

__all__ = ["ENV_VAR", "StateFile"]

log = logging.getLogger(__name__)

ENV_VAR = "GLD_TEST_STATE_FILE"


class StateFile(QObject):
    def __init__(
        self,
        path: Path,
        snapshot: Callable[[], Mapping[str, Any]],
        *,
        interval_ms: int = 200,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.path = path
        self._snapshot = snapshot
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.write_now)
        self.writes = 0

    @classmethod
    def from_env(
        cls, snapshot: Callable[[], Mapping[str, Any]], parent: QObject | None = None
    ) -> StateFile | None:
        value = os.environ.get(ENV_VAR)
        return cls(Path(value), snapshot, parent=parent) if value else None

    def mark_dirty(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def write_now(self, extra: Mapping[str, Any] | None = None) -> None:
        self._timer.stop()
        data = dict(self._snapshot())
        if extra:
            data.update(extra)
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            tmp.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as err:
            log.error("the state file %s cannot be written: %s", self.path, err)
            return
        self.writes += 1
