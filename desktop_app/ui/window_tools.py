"""The window's side of the tools: consent cards, the Qt ports, the tool list and the search sources.

:class:`WindowTools` belongs to the :class:`~desktop_app.ui.window_events.EventView` (``view.tools``). It
owns the window's :class:`~desktop_app.ui.consent_desk.ConsentDesk` (the runtime's consent broker), the
Qt clipboard and browser ports, and the keys that answer the oldest waiting card (Alt+A allow once, Alt+W
always allow this tool, Alt+D deny). :meth:`WindowTools.attach` gives them to a controller that is a
:class:`~desktop_app.ui.consent_desk.ToolHost` (the ports only to a ``DesktopPortsHost``) and fetches its
tools (:attr:`WindowTools.specs`, for the Tools tab; fetched again on every ``ToolsChanged`` and each time
a session goes live). :meth:`WindowTools.show_grounding` puts a reply's search sources under it.
Everything here runs on the Qt thread; the desk and the ports cross to the loop thread themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from desktop_app.controller_api import ConsentAnswer, Controller, ToolInfo
from desktop_app.core.events import Grounding
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.consent_desk import ConsentDesk, DesktopPortsHost, ToolHost
from desktop_app.ui.tool_ports import QtBrowser, QtClipboard, QtHop
from desktop_app.ui.tool_view import (
    CardState,
    ConsentPrompt,
    SourceList,
    state_of_answer,
)
from desktop_app.ui.transcript_model import TranscriptChange, TranscriptModel
from desktop_app.ui.widgets.consent_card import SHORTCUTS
from desktop_app.ui.widgets.transcript_view import TranscriptView

__all__ = ["WindowTools"]


class WindowTools(QObject):
    """See the module docstring. ``notice(text)`` shows a warning to the user."""

    card_shown = Signal(object)  # the ConsentPrompt of a new card (the desktop presence asks on the overlay)
    card_closed = Signal(str)  # the call id of a card answered or withdrawn
    always_allowed = Signal(str)
    """The user chose "Always allow this tool" for the tool of this name (the runtime saves it; the window
    keeps its copy of the settings in step, so a later settings save does not undo it)."""

    def __init__(
        self,
        window: QWidget,
        transcript: TranscriptModel,
        view: TranscriptView,
        notice: Callable[[str], None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._transcript = transcript
        self._view = view
        self._notice = notice
        self.hop = QtHop(self)
        self.desk = ConsentDesk(
            lambda prompt: self.hop.post(lambda: self.show_card(prompt)),
            lambda call_id, state: self.hop.post(lambda: self.settle(call_id, state)),
        )
        self.clipboard = QtClipboard(self.hop)
        self.browser = QtBrowser(self.hop)
        self.specs: tuple[ToolInfo, ...] = ()
        self._host: ToolHost | None = None
        self._runner: CommandRunner | None = None
        view.consent_answered.connect(self.answer)
        view.source_failed.connect(
            lambda uri: notice(f"The link {uri} was not opened (only http and https links open).")
        )
        self.shortcuts: dict[ConsentAnswer, QShortcut] = {}
        for answer, key in SHORTCUTS.items():
            shortcut = QShortcut(QKeySequence(key), window)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda a=answer: self.answer_oldest(a))
            self.shortcuts[answer] = shortcut

    # --- the controller ----------------------------------------------------------------------------

    def attach(self, controller: Controller, runner: CommandRunner) -> bool:
        """Give the desk (and the ports) to ``controller`` when it runs tools; False when it does not."""
        if not isinstance(controller, ToolHost):
            return False
        host: ToolHost = controller
        self._host, self._runner = host, runner
        desk, clipboard, browser = self.desk, self.clipboard, self.browser

        async def plug_in() -> None:  # on the loop thread, where the controller's methods run
            host.set_consent(desk)
            if isinstance(host, DesktopPortsHost):
                host.set_desktop_ports(clipboard, browser)

        runner.submit("Asking for tool consent in the window", plug_in)
        self.refresh()
        return True

    def refresh(self) -> None:
        """Fetch the tool list again (``ToolsChanged``, a new session); nothing before :meth:`attach`."""
        host, runner = self._host, self._runner
        if host is None or runner is None:
            return

        async def listed() -> Sequence[ToolInfo]:
            return host.tool_specs()

        runner.submit("Listing the tools", listed, on_result=self._got_specs, owner=self)

    def _got_specs(self, specs: Sequence[ToolInfo]) -> None:
        self.specs = tuple(specs)

    # --- cards -------------------------------------------------------------------------------------

    def show_card(self, prompt: ConsentPrompt) -> None:
        """Show a card for ``prompt`` and move the focus to it, unless the user is typing somewhere."""
        self._apply(self._transcript.add_consent(prompt))
        self.card_shown.emit(prompt)
        card = self._view.cards().get(prompt.call_id)
        if card is None:
            return
        self._view.scrollToBottom()
        if not _typing(QApplication.focusWidget()):
            card.focus_first()

    def settle(self, call_id: str, state: CardState) -> None:
        """Close the card of ``call_id`` as ``state`` (the desk withdrew it)."""
        self._apply(self._transcript.settle_consent(call_id, state))
        self.card_closed.emit(call_id)

    def answer(self, call_id: str, answer: ConsentAnswer) -> None:
        """The user answered the card of ``call_id``: close it and tell the runtime."""
        changes = self._transcript.settle_consent(call_id, state_of_answer(answer))
        if not changes:
            return
        self._apply(changes)
        self.card_closed.emit(call_id)
        if not self.desk.answer(call_id, answer):
            self._notice("That tool call was no longer waiting for an answer.")
        elif answer is ConsentAnswer.ALWAYS and changes[0].entry.prompt is not None:
            self.always_allowed.emit(changes[0].entry.prompt.tool)

    def answer_oldest(self, answer: ConsentAnswer) -> bool:
        """Answer the oldest waiting card (the window's Alt keys); False when none waits."""
        cards = self._transcript.open_cards()
        if not cards:
            return False
        self.answer(cards[0].call_id, answer)
        return True

    # --- sources -----------------------------------------------------------------------------------

    def show_grounding(self, grounding: SourceList | Grounding) -> None:
        """Show ``grounding``'s sources as chips under the reply now being given."""
        sources = grounding if isinstance(grounding, SourceList) else SourceList.of_event(grounding)
        self._apply(self._transcript.add_grounding(sources))

    def _apply(self, changes: list[TranscriptChange]) -> None:
        self._view.apply(changes)


def _typing(focused: QWidget | None) -> bool:
    """True when ``focused`` is a text field holding text: the user is writing there, keep the focus."""
    if isinstance(focused, QLineEdit):
        return bool(focused.text())
    if isinstance(focused, QPlainTextEdit | QTextEdit):
        return bool(focused.toPlainText())
    return False
