"""The Qt binding itself: PySide6-Essentials 6.12.0 returns ``None`` from void methods without taking a
reference on Python 3.11 (where ``None`` is not immortal), so every Qt call wears ``None`` down until the
process aborts with "none_dealloc" (seen here at interpreter exit after a 25-second window session).
The project pins ``PySide6-Essentials<6.12``; this test fails if a broken build comes back."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot


def test_void_qt_calls_do_not_consume_references_to_none(qtbot: QtBot) -> None:
    w = QWidget()
    qtbot.addWidget(w)
    w.show()
    before = sys.getrefcount(None)
    for i in range(2000):
        w.resize(200 + i % 7, 100)
        QApplication.processEvents()
    lost = before - sys.getrefcount(None)
    assert lost < 500, f"{lost} references to None vanished in 4000 void Qt calls (a broken PySide6 build)"
