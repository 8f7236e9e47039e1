"""What is where in the main window: the widgets and their layout, and nothing they do.

:class:`WindowLayout` builds the header (title, connection pill, backend, History and Settings buttons), the
offline banner, the vision card (preview, "what Gemini sees" mirror) over the relay card, the conversation
card (notices, transcript, composer) and the bottom bar (controls, level meters, volume), and keeps each
widget as an attribute. It connects no signal: :mod:`desktop_app.ui.window_events` renders events into
these widgets and :mod:`desktop_app.ui.main_window` wires them to commands.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.demo_banner import DemoBanner
from desktop_app.ui.error_banner import ErrorBanner
from desktop_app.ui.glyphs import app_icon, glyph
from desktop_app.ui.privacy_controls import SharingChip, TalkToggle
from desktop_app.ui.shortcut_keys import keys_of, tip
from desktop_app.ui.theme import COLORS
from desktop_app.ui.widgets.card import card
from desktop_app.ui.widgets.controls import ControlBar
from desktop_app.ui.widgets.level_meter import LevelMeter
from desktop_app.ui.widgets.notices import NoticeArea
from desktop_app.ui.widgets.relay_panel import RelayPanel
from desktop_app.ui.widgets.status_bar import ConnectionPill, StatusStrip
from desktop_app.ui.widgets.transcript_view import TranscriptView
from desktop_app.ui.widgets.video_view import SentMirror, VideoView

__all__ = ["DEFAULT_SIZE", "MINIMUM_SIZE", "WindowLayout"]

DEFAULT_SIZE = QSize(1280, 800)
MINIMUM_SIZE = QSize(800, 560)
"""Fits a 1024×600 netbook screen with room for a panel; tests/ui/test_layout_sizes.py checks the layout
at this size and larger."""


def _card_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("cardTitle")
    return label


def _header_button(text: str, icon: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setIcon(glyph(icon, COLORS["text"], 18))
    button.setToolTip(tip)
    return button


class WindowLayout(QMainWindow):
    """The main window's widgets, laid out (see the module docstring). Subclasses give them behaviour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Gemini Live")
        self.setWindowIcon(app_icon())
        self.setMinimumSize(MINIMUM_SIZE)
        self.resize(DEFAULT_SIZE)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(14, 10, 14, 10)
        outer.setSpacing(8)
        outer.addLayout(self._header())
        self.banner = DemoBanner()
        outer.addWidget(self.banner)
        self.error_banner = ErrorBanner()  # a connection problem, in words, with Retry (issue 18)
        outer.addWidget(self.error_banner)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self._vision_column())
        self.splitter.addWidget(self._conversation_card())
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(12)
        self.splitter.setSizes([700, 560])
        outer.addWidget(self.splitter, 1)
        outer.addWidget(self._bottom_bar())
        self.setCentralWidget(central)
        self.composer.setFocus()  # typing works at once, and no button wears the focus ring at launch
        self.status = StatusStrip()
        self.setStatusBar(self.status)

    def fit_to_screen(self) -> None:
        """First start: the default size, shrunk to the screen and centred on it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        width = max(self.minimumWidth(), min(DEFAULT_SIZE.width(), area.width()))
        height = max(self.minimumHeight(), min(DEFAULT_SIZE.height(), area.height()))
        self.resize(width, height)
        self.move(
            area.x() + max(0, (area.width() - width) // 2), area.y() + max(0, (area.height() - height) // 2)
        )

    def _header(self) -> QLayout:
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(QSize(28, 28)))
        title = QLabel("Gemini Live")
        title.setObjectName("appTitle")
        self.pill = ConnectionPill()
        self.backend_label = QLabel("")
        self.backend_label.setObjectName("backendLabel")
        self.settings_button = _header_button("Settings", "settings", tip("settings", "Settings"))
        self.history_button = _header_button("History", "history", tip("history", "Past conversations"))
        header = QHBoxLayout()
        header.setSpacing(10)
        header.addWidget(logo)
        header.addWidget(title)
        header.addSpacing(8)
        header.addWidget(self.pill)
        header.addWidget(self.backend_label)
        self.sharing_chip = SharingChip()  # "Sharing screen 1 — Stop" while a share lasts
        header.addWidget(self.sharing_chip)
        header.addStretch(1)
        header.addWidget(self.history_button)
        header.addWidget(self.settings_button)
        return header

    def _vision_column(self) -> QWidget:
        """The preview and the mirror in one card, the relay card below."""
        self.video = VideoView()
        self.mirror = SentMirror()
        self.vision_title = _card_title("CAMERA")
        vision_card = card(self.vision_title, self.video, self.mirror)
        vision_box = vision_card.layout()
        assert isinstance(vision_box, QVBoxLayout)
        vision_box.setStretch(1, 1)
        self.relay_panel = RelayPanel()
        column = QWidget()
        column_box = QVBoxLayout(column)
        column_box.setContentsMargins(0, 0, 0, 0)
        column_box.setSpacing(8)
        column_box.addWidget(vision_card, 1)
        column_box.addWidget(card(self.relay_panel, margins=10))
        return column

    def _conversation_card(self) -> QWidget:
        """Notices over the transcript, the composer and its Send button at the bottom."""
        self.notices = NoticeArea()
        self.transcript_view = TranscriptView()
        self.composer = QLineEdit()
        self.composer.setObjectName("composer")
        self.composer.setPlaceholderText(f"Type a message and press Enter  ({keys_of('composer')[0]})")
        self.composer.setAccessibleName("Message to Gemini")
        self.send_button = QToolButton()
        self.send_button.setIcon(glyph("send", COLORS["text"], 20))
        self.send_button.setToolTip("Send (Enter)")
        self.send_button.setAccessibleName("Send")
        composer_row = QHBoxLayout()
        composer_row.setSpacing(8)
        composer_row.addWidget(self.composer, 1)
        composer_row.addWidget(self.send_button)
        conv_card = card(_card_title("CONVERSATION"), self.notices, self.transcript_view)
        conv_box = conv_card.layout()
        assert isinstance(conv_box, QVBoxLayout)
        conv_box.setStretch(2, 1)
        conv_box.addLayout(composer_row)
        return conv_card

    def _bottom_bar(self) -> QWidget:
        """The controls, then the level meters over the volume."""
        self.controls = ControlBar()
        self.mic_meter = LevelMeter("Mic")
        self.speaker_meter = LevelMeter("Speaker")
        mixer = QWidget()
        mixer_box = QVBoxLayout(mixer)
        mixer_box.setContentsMargins(0, 0, 0, 0)
        mixer_box.setSpacing(2)
        mixer_box.addWidget(self.mic_meter)
        mixer_box.addWidget(self.speaker_meter)
        mixer_box.addWidget(self.controls.volume_row)
        mixer.setFixedWidth(190)
        bottom = QFrame()
        bottom.setObjectName("card")
        bottom_row = QHBoxLayout(bottom)
        bottom_row.setContentsMargins(12, 8, 14, 8)
        bottom_row.setSpacing(10)
        self.talk_toggle = TalkToggle()  # nothing is sent before "Start talking"
        bottom_row.addWidget(self.talk_toggle)
        bottom_row.addWidget(self.controls, 1)
        bottom_row.addWidget(mixer)
        return bottom
