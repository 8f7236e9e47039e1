"""The questions the history panel asks: where to save an export, whether to delete, what name to give.

Each is a plain function the panel keeps as an attribute (:attr:`HistoryDialog.choose_file`,
:attr:`~HistoryDialog.confirm`, :attr:`~HistoryDialog.ask_name`), so a test replaces it instead of
answering a modal dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

__all__ = ["AskName", "Confirm", "SaveChooser", "ask_for_name", "ask_to_confirm", "ask_where_to_save"]

SaveChooser = Callable[[QWidget, str, Path, str], Path | None]
"""Asks where to save: (parent, caption, suggested path, file filter) → the chosen path, or None."""

Confirm = Callable[[QWidget, str, str], bool]
"""Asks a yes-or-no question: (parent, title, text) → True only for a deliberate yes."""

AskName = Callable[[QWidget, str], str | None]
"""Asks for a name: (parent, the current name) → the new name ("" clears it), or None when cancelled."""


def ask_where_to_save(parent: QWidget, caption: str, suggested: Path, filters: str) -> Path | None:
    chosen, _filter = QFileDialog.getSaveFileName(parent, caption, str(suggested), filters)
    return Path(chosen) if chosen else None


def ask_to_confirm(parent: QWidget, title: str, text: str) -> bool:
    """A question whose default answer (Enter, Escape) is No: deleting needs a deliberate click or key."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def ask_for_name(parent: QWidget, current: str) -> str | None:
    name, accepted = QInputDialog.getText(
        parent,
        "Rename conversation",
        "Name (leave empty to show its date again):",
        QLineEdit.EchoMode.Normal,
        current,
    )
    return name if accepted else None
