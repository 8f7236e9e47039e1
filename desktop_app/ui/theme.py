"""The window's look: one dark palette and one style sheet, applied once to the application.

Widgets ask for colours through :data:`COLORS` and style themselves with object names and the dynamic
``tone`` / ``kind`` properties the sheet selects on, so no widget hard-codes a style of its own.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

from desktop_app.controller_api import icons_dir

__all__ = ["COLORS", "TONE_COLORS", "apply_theme", "set_dynamic", "style_sheet"]

COLORS: dict[str, str] = {
    "bg": "#0f1117",
    "surface": "#171a22",
    "surface2": "#1f2330",
    "surface3": "#2a2f3d",
    "border": "#2c3240",
    "text": "#e7e9ef",
    "muted": "#9aa3b5",
    "faint": "#6b7386",
    "accent": "#6c8cff",
    "accent_hover": "#87a0ff",
    "accent_dim": "#27345f",
    "user_bubble": "#283a6e",
    "model_bubble": "#1f2330",
    "ok": "#3ecf8e",
    "warn": "#f2b84b",
    "bad": "#ff6b6b",
    "banner_bg": "#3a2f14",
    "banner_border": "#8a6a22",
    "video_bg": "#07080b",
    "focus": "#ffffff",
}
"""``focus`` is the keyboard focus ring: at least 3:1 against every fill and border a focusable control has
(tests/ui/test_accessibility.py checks), so it shows on plain, checked and primary buttons alike."""

TONE_COLORS: dict[str, str] = {
    "idle": COLORS["faint"],
    "busy": COLORS["accent"],
    "ok": COLORS["ok"],
    "warn": COLORS["warn"],
    "bad": COLORS["bad"],
}

_SHEET = """
QWidget {{ color: {text}; font-size: 10pt; }}
QMainWindow, QDialog {{ background: {bg}; }}
QToolTip {{ background: {surface2}; color: {text}; border: 1px solid {border}; padding: 4px 6px; }}

QFrame#card {{ background: {surface}; border: 1px solid {border}; border-radius: 12px; }}
QLabel#cardTitle {{ color: {muted}; font-size: 9pt; font-weight: 600; letter-spacing: 0.5px; }}
QLabel#muted {{ color: {muted}; }}
QLabel#faint {{ color: {faint}; font-size: 9pt; }}
QLabel#appTitle {{ font-size: 13pt; font-weight: 700; }}
QLabel#backendLabel {{ color: {muted}; }}

QLabel#pill {{ border-radius: 11px; padding: 3px 12px; font-weight: 600; background: {surface2}; }}

QFrame#banner {{ background: {banner_bg}; border: 1px solid {banner_border}; border-radius: 10px; }}
QFrame#banner QLabel {{ color: #ffe7b0; }}
QLabel#bannerTitle {{ font-weight: 700; }}

QFrame#notice {{ border-radius: 10px; border: 1px solid {border}; background: {surface2}; }}
QFrame#notice[tone="error"] {{ border-color: #7a3038; background: #2b171b; }}
QFrame#notice[tone="warning"] {{ border-color: {banner_border}; background: #2b2414; }}
QFrame#notice[tone="info"] {{ border-color: {accent_dim}; background: #161d33; }}

QPushButton, QToolButton {{
    background: {surface2}; border: 1px solid {border}; border-radius: 9px;
    padding: 7px 12px; color: {text};
}}
QPushButton:hover, QToolButton:hover {{ background: {surface3}; }}
QPushButton:pressed, QToolButton:pressed {{ background: {accent_dim}; }}
QPushButton:disabled, QToolButton:disabled {{ color: {faint}; background: {surface}; }}
QPushButton:checked, QToolButton:checked {{ background: {accent_dim}; border-color: {accent}; }}
QToolButton[tone="alert"]:checked {{ background: #4a1d24; border-color: {bad}; }}
QPushButton#primary {{ background: {accent}; border-color: {accent}; color: #0b1020; font-weight: 700; }}
QPushButton#primary:hover {{ background: {accent_hover}; }}
QPushButton#primary:focus {{ border: 2px solid {focus}; padding: 6px 11px; }}
QPushButton#primary:disabled {{ background: {surface3}; border-color: {border}; color: {faint}; }}
QPushButton#flat, QToolButton#flat {{ background: transparent; border: none; padding: 4px 6px; }}
QPushButton#flat:hover, QToolButton#flat:hover {{ background: {surface3}; }}
QToolButton#talk {{ font-weight: 600; }}
QToolButton#talk:pressed, QToolButton#talk[held="true"] {{ background: {ok}; color: #06140d; }}
QToolButton::menu-indicator {{ image: none; width: 0; }}
QToolButton[popupMode="1"] {{ padding-right: 22px; }}
QToolButton::menu-button {{ border: none; border-left: 1px solid {border}; width: 18px; }}
QPushButton:focus, QToolButton:focus {{ border: 2px solid {focus}; padding: 6px 11px; }}
QPushButton#flat:focus, QToolButton#flat:focus {{ border: 2px solid {focus}; padding: 2px 4px; }}
QToolButton[popupMode="1"]:focus {{ padding-right: 21px; }}

QLineEdit, QPlainTextEdit, QTextEdit, QSpinBox, QDoubleSpinBox, QComboBox {{
    background: {surface2}; border: 1px solid {border}; border-radius: 8px; padding: 6px 8px;
    selection-background-color: {accent};
}}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QSpinBox:focus, QDoubleSpinBox:focus,
QComboBox:focus {{
    border: 2px solid {focus}; padding: 5px 7px;
}}
QLineEdit#composer {{ padding: 9px 12px; border-radius: 10px; font-size: 10.5pt; }}
QLineEdit#composer:focus {{ padding: 8px 11px; }}
QComboBox {{ padding-right: 28px; }}
QComboBox:focus {{ padding-right: 27px; }}
QComboBox::drop-down {{
    subcontrol-origin: padding; subcontrol-position: center right; width: 26px; border: none;
}}
QComboBox::down-arrow {{ image: url({chevron_down}); width: 12px; height: 12px; }}
QComboBox QAbstractItemView {{
    background: {surface2}; border: 1px solid {border}; selection-background-color: {accent_dim};
}}
QSpinBox, QDoubleSpinBox {{ padding-right: 26px; min-width: 120px; }}
QSpinBox:focus, QDoubleSpinBox:focus {{ padding-right: 25px; }}
QSpinBox::up-button, QDoubleSpinBox::up-button {{
    subcontrol-origin: border; subcontrol-position: top right; width: 24px; border: none;
    background: transparent; margin-top: 3px;
}}
QSpinBox::down-button, QDoubleSpinBox::down-button {{
    subcontrol-origin: border; subcontrol-position: bottom right; width: 24px; border: none;
    background: transparent; margin-bottom: 3px;
}}
QSpinBox::up-arrow, QDoubleSpinBox::up-arrow {{ image: url({chevron_up}); width: 10px; height: 10px; }}
QSpinBox::down-arrow, QDoubleSpinBox::down-arrow {{ image: url({chevron_down}); width: 10px; height: 10px; }}
QCheckBox {{ spacing: 8px; }}
QCheckBox::indicator {{
    width: 16px; height: 16px; border: 1px solid {border}; border-radius: 4px; background: {surface2};
}}
QCheckBox::indicator:checked {{ background: {accent}; border-color: {accent}; image: url({check}); }}
QCheckBox::indicator:focus {{ border: 2px solid {focus}; width: 14px; height: 14px; }}

QScrollArea {{ background: transparent; border: none; }}
QScrollArea > QWidget > QWidget {{ background: transparent; }}
QScrollBar:vertical {{ background: transparent; width: 10px; margin: 2px; }}
QScrollBar::handle:vertical {{ background: {surface3}; border-radius: 4px; min-height: 30px; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; }}
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: none; }}

QFrame#bubble {{ border-radius: 12px; background: {model_bubble}; border: 1px solid {border}; }}
QFrame#bubble[kind="user"] {{ background: {user_bubble}; border-color: #34498a; }}
QFrame#bubble[open="true"] {{ border-style: dashed; }}
QFrame#bubble[interrupted="true"] {{ border-color: {warn}; }}
QLabel#bubbleWho {{ color: {muted}; font-size: 8.5pt; font-weight: 700; }}
QLabel#bubbleMeta {{ color: {faint}; font-size: 8.5pt; }}
QLabel#bubbleText {{ font-size: 10.5pt; }}
QLabel#systemLine {{ color: {muted}; font-size: 9pt; font-style: italic; }}
QLabel#turnDivider {{ color: {faint}; font-size: 8.5pt; font-weight: 600; }}

QSlider::groove:horizontal {{ height: 4px; background: {surface3}; border-radius: 2px; }}
QSlider::sub-page:horizontal {{ background: {accent}; border-radius: 2px; }}
QSlider::handle:horizontal {{
    background: {text}; width: 14px; height: 14px; margin: -6px 0; border-radius: 7px;
}}
QSlider::handle:horizontal:focus {{
    background: {accent}; border: 2px solid {focus}; width: 12px; height: 12px;
}}

QTabWidget::pane {{ border: 1px solid {border}; border-radius: 10px; top: -1px; background: {surface}; }}
QTabBar::tab {{
    background: transparent; color: {muted}; padding: 8px 14px; border: none;
    border-bottom: 2px solid transparent;
}}
QTabBar::tab:selected {{ color: {text}; border-bottom: 2px solid {accent}; }}
QTabBar::tab:focus {{ border: 2px solid {focus}; border-radius: 6px; padding: 6px 12px 8px 12px; }}
QListWidget, QTableWidget {{ background: {surface2}; border: 1px solid {border}; border-radius: 8px; }}
QListView:focus, QTableView:focus {{ border: 2px solid {focus}; }}
QStatusBar {{ background: {surface}; border-top: 1px solid {border}; color: {muted}; }}
QStatusBar QLabel {{ color: {muted}; padding: 0 8px; }}
QSplitter::handle {{ background: transparent; }}
QMenu {{ background: {surface2}; border: 1px solid {border}; padding: 4px; }}
QMenu::item {{ padding: 6px 18px; border-radius: 6px; }}
QMenu::item:selected {{ background: {accent_dim}; }}
"""


def apply_theme(app: QApplication) -> None:
    """Fusion style, the dark palette and the style sheet, for the whole application."""
    fusion = QStyleFactory.create("Fusion")
    if fusion is not None:
        app.setStyle(fusion)
    palette = QPalette()
    c = {k: QColor(v) for k, v in COLORS.items()}
    palette.setColor(QPalette.ColorRole.Window, c["bg"])
    palette.setColor(QPalette.ColorRole.WindowText, c["text"])
    palette.setColor(QPalette.ColorRole.Base, c["surface2"])
    palette.setColor(QPalette.ColorRole.AlternateBase, c["surface"])
    palette.setColor(QPalette.ColorRole.Text, c["text"])
    palette.setColor(QPalette.ColorRole.Button, c["surface2"])
    palette.setColor(QPalette.ColorRole.ButtonText, c["text"])
    palette.setColor(QPalette.ColorRole.Highlight, c["accent"])
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#0b1020"))
    palette.setColor(QPalette.ColorRole.ToolTipBase, c["surface2"])
    palette.setColor(QPalette.ColorRole.ToolTipText, c["text"])
    palette.setColor(QPalette.ColorRole.PlaceholderText, c["faint"])
    palette.setColor(QPalette.ColorRole.Link, c["accent"])
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, c["faint"])
    app.setPalette(palette)
    font = QFont(app.font())
    font.setPointSizeF(max(font.pointSizeF(), 10.0))
    app.setFont(font)
    app.setStyleSheet(style_sheet())


def style_sheet() -> str:
    """The application's style sheet, with the arrow and tick images from ``assets/icons/ui``."""
    ui = icons_dir() / "ui"
    images = {
        "chevron_down": (ui / "chevron-down.svg").as_posix(),
        "chevron_up": (ui / "chevron-up.svg").as_posix(),
        "check": (ui / "check.svg").as_posix(),
    }
    return _SHEET.format(**COLORS, **images)


def set_dynamic(widget: QWidget, name: str, value: str) -> None:
    """Set a property the style sheet selects on, and re-polish so the change shows."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
