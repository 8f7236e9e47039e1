"""The history panel: past conversations listed on the left, the chosen one read back on the right.

:class:`HistoryDialog` is a non-modal window over the main window (the conversation goes on while it is
open). It lists the newest sessions of a :class:`~desktop_app.history.HistoryStore` in which something
was said (at most :data:`~desktop_app.ui.history_model.LIST_LIMIT`), filtered by the words typed in the
search field, and shows the selected one read-only, with the same bubbles as the live transcript, plus
"Export Markdown…", "Export SRT…" (the suggested file name carries the day and the first words),
"Rename…", "Delete…" (after a confirmation), "Open recording" (when a WAV was recorded) and "Open folder".

Keys: Delete (in the list) deletes, F2 renames, Ctrl+F goes to the search field, F5 reads the folder again.

Every file read and write runs in the window's worker threads through the
:class:`~desktop_app.ui.bridge.CommandRunner`; a session is loaded only when it is selected, and a load
that finishes after the user chose another session is dropped. Signals tell tests (and the window) what
happened: :attr:`listed`, :attr:`shown`, :attr:`exported`, :attr:`renamed`, :attr:`deleted`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.controller_api import HistoryStore
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.dialog_size import opening_size
from desktop_app.ui.glyphs import glyph
from desktop_app.ui.history_list import SessionListPane
from desktop_app.ui.history_model import (
    LIST_LIMIT,
    PastSession,
    SessionList,
    SessionRow,
    delete_session,
    export_session,
    list_rows,
    open_session,
    rename_session,
    suggested_name,
)
from desktop_app.ui.history_prompts import (
    AskName,
    Confirm,
    SaveChooser,
    ask_for_name,
    ask_to_confirm,
    ask_where_to_save,
)
from desktop_app.ui.shortcut_keys import keys_of, tip
from desktop_app.ui.theme import COLORS
from desktop_app.ui.transcript_model import ChangeKind, TranscriptChange
from desktop_app.ui.widgets.card import card
from desktop_app.ui.widgets.transcript_view import TranscriptView

__all__ = ["HistoryDialog", "SaveChooser"]

_EXPORTS = {
    "md": ("Export Markdown", "Markdown (*.md);;All files (*)"),
    "srt": ("Export subtitles", "Subtitles (*.srt);;All files (*)"),
}


def _label(text: str, name: str = "", *, wrap: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    if name:
        label.setObjectName(name)
    return label


class HistoryDialog(QDialog):
    """See the module docstring. Construct and use on the Qt thread; it lists sessions once shown.

    Args:
        runner: runs the file work in worker threads.
        store: where the sessions are (default: the user's history directory).
        history_enabled: False when the ``history`` setting is off (the empty list says so).
        choose_file: asks where to export (default: a save dialog). Kept as :attr:`choose_file`, which a
            test may replace, as it may :attr:`confirm` (a deletion) and :attr:`ask_name` (a rename).
    """

    listed = Signal(int)
    """The list was (re)filled with this many sessions."""
    shown = Signal(str)
    """A session (its id) is now shown on the right."""
    exported = Signal(object)
    """A transcript was written to this Path."""
    renamed = Signal(str)
    """A session (its id) was given a new name."""
    deleted = Signal(str)
    """A session (its id) was deleted."""

    def __init__(
        self,
        runner: CommandRunner,
        store: HistoryStore | None = None,
        *,
        history_enabled: bool = True,
        choose_file: SaveChooser = ask_where_to_save,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("History")
        self.setModal(False)
        self.setMinimumSize(QSize(780, 460))  # fits an 800×600 screen with a panel and a title bar
        self.resize(opening_size(self, QSize(1040, 680)))
        self._runner = runner
        self._store = store or HistoryStore()
        self._history_enabled = history_enabled
        self.choose_file = choose_file
        self.confirm: Confirm = ask_to_confirm
        self.ask_name: AskName = ask_for_name
        self._wanted: Path | None = None
        self._export_dir = Path.home()
        self.session: PastSession | None = None
        self._build()
        self.refresh()

    # --- layout ------------------------------------------------------------------------------------

    def _build(self) -> None:
        title = _label("Past conversations", "appTitle")
        self.count_label = _label("Reading…", "muted")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setIcon(glyph("refresh", COLORS["text"], 16))
        self.refresh_button.setToolTip(tip("history_refresh", "Read the history folder again"))
        self.refresh_button.setShortcut(keys_of("history_refresh")[0])
        self.refresh_button.clicked.connect(self.refresh)
        self.folder_button = QPushButton("Open folder")
        self.folder_button.setToolTip(str(self._store.directory))
        self.folder_button.clicked.connect(self.open_folder)
        header = QHBoxLayout()
        header.setSpacing(10)
        header.addWidget(title)
        header.addWidget(self.count_label)
        header.addStretch(1)
        header.addWidget(self.refresh_button)
        header.addWidget(self.folder_button)

        # left: the sessions
        self.pane = left = SessionListPane()
        self.list, self.list_placeholder, self.search = left.list, left.placeholder, left.search
        self.list.currentRowChanged.connect(self._row_chosen)
        left.search_changed.connect(self.refresh)

        # right: the chosen one
        self.session_title = _label("", "appTitle", wrap=True)  # a long name wraps, never widens the panel
        self.session_facts = _label("", "muted", wrap=True)
        self.session_facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.session_flags = _label("")
        self.session_flags.setStyleSheet(f"color: {COLORS['warn']};")
        self.session_flags.setVisible(False)
        self.placeholder = _label("Choose a conversation to read it.", "muted", wrap=True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.transcript = TranscriptView()
        self.transcript.setAccessibleName("Past conversation transcript")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.transcript)
        self.export_md = QPushButton("Export Markdown…")
        self.export_md.clicked.connect(lambda: self.export("md"))
        self.export_srt = QPushButton("Export SRT…")
        self.export_srt.setToolTip("Subtitles with the time of each utterance")
        self.export_srt.clicked.connect(lambda: self.export("srt"))
        self.recording_button = QPushButton("Open recording")
        self.recording_button.setIcon(glyph("volume", COLORS["text"], 16))
        self.recording_button.setToolTip("Both sides, in a two-channel WAV: you left, Gemini right")
        self.recording_button.clicked.connect(self.open_recording)
        self.recording_button.setVisible(False)
        self.rename_button = QPushButton("Rename…")
        self.rename_button.setToolTip("Give this conversation a name (F2)")
        self.rename_button.clicked.connect(self.rename)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip("Delete this conversation and its recordings (Delete)")
        self.delete_button.clicked.connect(self.delete)
        self.status = _label("", "faint", wrap=True)
        self.status.setVisible(False)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        actions = QHBoxLayout()
        actions.setSpacing(8)
        actions.addWidget(self.export_md)
        actions.addWidget(self.export_srt)
        actions.addWidget(self.recording_button)
        actions.addStretch(1)
        about = QVBoxLayout()
        about.setSpacing(2)
        for label in (self.session_title, self.session_facts, self.session_flags):
            about.addWidget(label)
        heading = QHBoxLayout()  # the conversation's name, and Rename/Delete for the conversation itself
        heading.addLayout(about, 1)
        heading.addWidget(self.rename_button, 0, Qt.AlignmentFlag.AlignTop)
        heading.addWidget(self.delete_button, 0, Qt.AlignmentFlag.AlignTop)
        right_box = QVBoxLayout()
        right_box.addLayout(heading)
        right_box.addWidget(self.stack, 1)
        right_box.addLayout(actions)  # what to do with the transcript, under it
        right_box.addWidget(self.status)  # its own line (a saved file's path is long), hidden while empty
        right = card(layout=right_box)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(12)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 7)
        self.splitter.setSizes([330, 700])

        box = QVBoxLayout(self)
        box.setContentsMargins(16, 14, 16, 16)
        box.setSpacing(12)
        box.addLayout(header)
        box.addWidget(self.splitter, 1)
        self._keys()
        self._show_session(None)
        self.search.setFocus()  # opens ready to search (the list may still be loading), not on a button

    def _keys(self) -> None:
        """Delete deletes (only from the list: in the search field it deletes text), F2 renames, Ctrl+F
        searches."""
        delete = QShortcut(QKeySequence(keys_of("history_delete")[0]), self.list)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.delete)
        QShortcut(QKeySequence(keys_of("history_rename")[0]), self).activated.connect(self.rename)
        QShortcut(QKeySequence(keys_of("history_search")[0]), self).activated.connect(self.focus_search)

    def focus_search(self) -> None:
        """Put the keyboard in the search field, its words selected (Ctrl+F)."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # --- the list ----------------------------------------------------------------------------------

    def refresh(self, keep: int | None = None) -> None:
        """Read the list of sessions again, searched for the words in the search field (in a worker
        thread). ``keep``: the row to select when the selected session is gone (after a delete)."""
        self.refresh_button.setEnabled(False)
        self.count_label.setText("Reading…")
        self._runner.run_blocking(
            "Reading the history",
            list_rows,
            self._store,
            LIST_LIMIT,
            self.pane.words(),
            on_result=functools.partial(self._fill, keep=keep),
            on_error=self._list_failed,
            owner=self,
        )

    @property
    def rows(self) -> list[SessionRow]:
        """The sessions listed, in the list's order."""
        return self.pane.rows

    def _fill(self, found: SessionList, keep: int | None = None) -> None:
        """Show ``found``, keeping the selected session (or, when it went, the row numbered ``keep``)."""
        if found.search != self.pane.words():
            return  # an answer to an older search: the newer one is on its way
        self.refresh_button.setEnabled(True)
        self.folder_button.setEnabled(found.exists)
        current = self.pane.current()
        number = self.list.currentRow() if keep is None else keep
        self.count_label.setText(self.pane.show_rows(found))
        if not found.rows:
            self.pane.show_message(
                f"No conversation holds “{found.search}”."
                if found.search
                else "No past conversations yet.\nEach conversation is kept here as you talk."
                if self._history_enabled
                else "Session history is turned off, so conversations are not kept."
            )
            self._show_session(None)
        else:
            self.pane.select_id(current.id if current else None, max(0, number))
        self.listed.emit(len(found.rows))

    def _list_failed(self, message: str) -> None:
        self.refresh_button.setEnabled(True)
        self.count_label.setText("")
        self.pane.show_message(message)

    def select(self, session_id: str) -> None:
        """Select (and so load) the listed session ``session_id``."""
        ids = [row.id for row in self.rows]
        self.list.setCurrentRow(ids.index(session_id))

    # --- one session -------------------------------------------------------------------------------

    def _row_chosen(self, number: int) -> None:
        if not 0 <= number < len(self.rows):
            return
        row = self.rows[number]
        self._wanted = row.path
        self._say("")
        if self.session is None or self.session.path != row.path:
            self.placeholder.setText("Opening…")
            self.stack.setCurrentWidget(self.placeholder)
        self._runner.run_blocking(
            "Opening the conversation",
            open_session,
            row.path,
            on_result=self._loaded,
            on_error=functools.partial(self._load_failed, row.path),
            owner=self,
        )

    def _loaded(self, session: PastSession) -> None:
        if session.path != self._wanted:
            return  # the user chose another one meanwhile
        self._show_session(session)
        self.shown.emit(session.log.id)

    def _load_failed(self, path: Path, message: str) -> None:
        if path != self._wanted:
            return  # a late failure for a session the user no longer wants
        self._show_session(None)
        self.placeholder.setText(message)

    def _show_session(self, session: PastSession | None) -> None:
        self.session = session
        for button in (self.export_md, self.export_srt, self.rename_button, self.delete_button):
            button.setEnabled(session is not None)
        self.recording_button.setVisible(bool(session and session.recordings))
        if session is None:
            self.session_title.setText("")
            self.session_facts.setText("")
            self.session_flags.setVisible(False)
            self.placeholder.setText("Choose a conversation to read it.")
            self.stack.setCurrentWidget(self.placeholder)
            return
        self.session_title.setText(session.title)
        self.session_facts.setText(session.facts)
        self.session_flags.setText(session.flags)
        self.session_flags.setVisible(bool(session.flags))
        view = TranscriptView()  # a fresh view per session: it starts empty and scrolled to the top
        view.setAccessibleName("Past conversation transcript")
        view.apply(TranscriptChange(ChangeKind.ADDED, entry) for entry in session.entries)
        old, self.transcript = self.transcript, view
        self.stack.removeWidget(old)
        old.deleteLater()
        self.stack.addWidget(view)
        if not session.entries:
            self.placeholder.setText("Nothing was said in this conversation.")
            self.stack.setCurrentWidget(self.placeholder)
            return
        self.stack.setCurrentWidget(view)
        view.doItemsLayout()
        view.scrollToTop()

    # --- actions -----------------------------------------------------------------------------------

    def export(self, fmt: str) -> None:
        """Ask where, then write the shown session as ``md`` or ``srt`` (in a worker thread)."""
        session = self.session
        if session is None:
            return
        caption, filters = _EXPORTS[fmt]
        suggested = self._export_dir / suggested_name(session.log, fmt)
        target = self.choose_file(self, caption, suggested, filters)
        if target is None:
            return
        self._export_dir = target.parent
        self._say("Saving…")
        self._runner.run_blocking(
            "Exporting the conversation",
            export_session,
            session.log,
            fmt,
            target,
            on_result=self._exported,
            on_error=self._say,
            owner=self,
        )

    def _exported(self, path: Path) -> None:
        self._say(f"Saved {path}")
        self.exported.emit(path)

    def rename(self) -> None:
        """Ask for a name for the selected session, then keep it (in a worker thread)."""
        row = self.pane.current()
        if row is None:
            return
        name = self.ask_name(self, row.name)
        if name is None:
            return
        self._runner.run_blocking(
            "Renaming the conversation",
            rename_session,
            self._store,
            row.id,
            name,
            on_result=lambda _kept: self._changed(row.id, self.renamed.emit),
            on_error=self._say,
            owner=self,
        )

    def delete(self) -> None:
        """After the user confirms, delete the selected session and its recordings (in a worker thread);
        the next one down is selected."""
        row = self.pane.current()
        if row is None:
            return
        question = f"Delete the conversation “{row.title}” ({row.first_words}) and its recordings?"
        if not self.confirm(self, "Delete conversation", f"{question}\n\nThis cannot be undone."):
            return
        self._runner.run_blocking(
            "Deleting the conversation",
            delete_session,
            self._store,
            row.id,
            on_result=lambda _id: self._changed(row.id, self.deleted.emit),
            on_error=self._say,
            owner=self,
        )

    def _changed(self, session_id: str, tell: Callable[[str], None]) -> None:
        """After a rename or a delete: reload the shown session, list again keeping the place, ``tell``."""
        if self.session is not None and self.session.log.id == session_id:
            self._show_session(None)
        self.refresh(keep=self.list.currentRow())
        tell(session_id)

    def _say(self, text: str) -> None:  # the line under the actions; empty hides it
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def open_folder(self) -> None:
        self._open_local(self._store.directory)

    def open_recording(self) -> None:
        if self.session is not None and self.session.recordings:
            self._open_local(self.session.recordings[0])

    def _open_local(self, path: Path) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self._say(f"Nothing could open it here; it is {path}")
