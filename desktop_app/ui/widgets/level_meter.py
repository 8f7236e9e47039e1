"""A horizontal level meter in dBFS with a decaying peak mark (for the microphone and the speaker)."""

from __future__ import annotations

import time

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.ui.theme import COLORS

__all__ = ["LevelMeter"]

FLOOR_DB = -60.0
_PEAK_HOLD_S = 1.2
_PEAK_FALL_DB_PER_S = 20.0


class LevelMeter(QWidget):
    """Call :meth:`set_levels` with RMS and peak in dBFS; the bar spans :data:`FLOOR_DB` to 0 dBFS."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._label = label
        self.rms_db = FLOOR_DB
        self.peak_db = FLOOR_DB
        self._held_peak = FLOOR_DB
        self._held_at = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(f"{label} level")

    def sizeHint(self) -> QSize:
        return QSize(200, 22)

    def minimumSizeHint(self) -> QSize:
        return QSize(80, 22)

    def set_levels(self, rms_db: float, peak_db: float) -> None:
        self.rms_db = max(FLOOR_DB, min(0.0, rms_db))
        self.peak_db = max(FLOOR_DB, min(0.0, peak_db))
        now = time.monotonic()
        fallen = self._held_peak - max(0.0, now - self._held_at - _PEAK_HOLD_S) * _PEAK_FALL_DB_PER_S
        if self.peak_db >= fallen:
            self._held_peak, self._held_at = self.peak_db, now
        self.setToolTip(f"{self._label}: {rms_db:.0f} dBFS (peak {peak_db:.0f})")
        self.update()

    def fraction(self, db: float) -> float:
        return (max(FLOOR_DB, min(0.0, db)) - FLOOR_DB) / -FLOOR_DB

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        label_w = 64
        p.setPen(QColor(COLORS["muted"]))
        p.drawText(
            QRectF(0, 0, label_w, self.height()),
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            self._label,
        )
        track = QRectF(label_w, self.height() / 2 - 4, self.width() - label_w - 2, 8)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(COLORS["surface3"]))
        p.drawRoundedRect(track, 4, 4)
        fill = QRectF(track)
        fill.setWidth(track.width() * self.fraction(self.rms_db))
        if fill.width() > 0.5:
            grad = QLinearGradient(track.left(), 0, track.right(), 0)
            grad.setColorAt(0.0, QColor(COLORS["ok"]))
            grad.setColorAt(0.75, QColor(COLORS["ok"]))
            grad.setColorAt(0.88, QColor(COLORS["warn"]))
            grad.setColorAt(1.0, QColor(COLORS["bad"]))
            p.setBrush(grad)
            p.drawRoundedRect(fill, 4, 4)
        if self._held_peak > FLOOR_DB:
            x = track.left() + track.width() * self.fraction(self._held_peak)
            p.setBrush(QColor(COLORS["text"]))
            p.drawRoundedRect(QRectF(min(x, track.right() - 2), track.top() - 2, 2, track.height() + 4), 1, 1)
        p.end()
