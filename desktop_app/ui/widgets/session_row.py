"""How the history panel paints one past conversation in its list: a :class:`SessionRowDelegate`.

Store each :class:`~desktop_app.ui.history_model.SessionRow` on its list item under :data:`ROW_ROLE`
(``item.setData(ROW_ROLE, row)``) and install the delegate on the list; it draws when (bold) and how long on
the first line, the first words below, and the flags ("unfinished · 1 reconnect") last.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop_app.ui.history_model import SessionRow
from desktop_app.ui.theme import COLORS

__all__ = ["ROW_ROLE", "SessionRowDelegate"]

ROW_ROLE = Qt.ItemDataRole.UserRole + 1


class SessionRowDelegate(QStyledItemDelegate):
    """Paints a session: when (bold) and how long on the first line, the first words below, flags last."""

    _PAD = 10

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        base = parent.font()
        self._bold = QFont(base)
        self._bold.setBold(True)
        self._small = QFont(base)
        self._small.setPointSizeF(base.pointSizeF() * 0.88)
        self._bold_metrics, self._small_metrics = QFontMetrics(self._bold), QFontMetrics(self._small)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        row: SessionRow = index.data(ROW_ROLE)
        lines = self._bold_metrics.height() + self._small_metrics.height() + 4
        if row.flags:
            lines += self._small_metrics.height() + 2
        return QSize(200, lines + 2 * self._PAD)

    def paint(
        self, p: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        row: SessionRow = index.data(ROW_ROLE)
        rect: QRect = option.rect.adjusted(2, 2, -2, -2)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected or hovered:
            p.setPen(QColor(COLORS["accent"]) if selected else Qt.PenStyle.NoPen)
            p.setBrush(QColor(COLORS["accent_dim"] if selected else COLORS["surface3"]))
            p.drawRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        inner = rect.adjusted(self._PAD, self._PAD - 2, -self._PAD, -self._PAD)
        bold_h, small_h = self._bold_metrics.height(), self._small_metrics.height()
        p.setFont(self._small)
        p.setPen(QColor(COLORS["muted"]))
        top = QRect(inner.left(), inner.top(), inner.width(), bold_h)
        p.drawText(top, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), row.detail)
        detail_w = self._small_metrics.horizontalAdvance(row.detail) + 10
        p.setFont(self._bold)
        p.setPen(QColor(COLORS["text"]))
        title = self._bold_metrics.elidedText(
            row.title, Qt.TextElideMode.ElideRight, inner.width() - detail_w
        )
        p.drawText(top, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), title)
        p.setFont(self._small)
        p.setPen(QColor(COLORS["muted"] if selected else COLORS["faint"]))
        words = self._small_metrics.elidedText(row.first_words, Qt.TextElideMode.ElideRight, inner.width())
        second = QRect(inner.left(), top.bottom() + 4, inner.width(), small_h)
        p.drawText(second, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), words)
        if row.flags:
            p.setPen(QColor(COLORS["warn"]))
            third = QRect(inner.left(), second.bottom() + 2, inner.width(), small_h)
            p.drawText(third, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), row.flags)
        p.restore()
