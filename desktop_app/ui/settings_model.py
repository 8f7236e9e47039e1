"""The settings dialog's Model page: the options only some models take, and the prices of the cost estimate.

Which rows show follows the model chosen on the Gemini page, as the user picks or types it: the dialog calls
:meth:`ModelPage.show_for` on every change, and a row shows only when the catalog's ``options_for(model)``
names its setting. What the dialog returns never holds a value the chosen model refuses: it passes every
page's values through :func:`only_taken`, which puts each option the model does not take back to its
default (so ``plan_connect`` has nothing to leave out). The prices are for the *estimate* in the status bar
only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPlainTextEdit, QWidget

from desktop_app.controller_api import OPTION_LABELS, Settings, model_spec, options_for
from desktop_app.core.errors import ConfigError
from desktop_app.ui.settings_fields import SettingsPage, combo, select, spin

__all__ = ["MODEL_OPTIONS", "ModelPage", "only_taken"]

MODEL_OPTIONS = tuple(name for name in OPTION_LABELS if name != "voice")
"""The settings fields a model may refuse (the voice is checked against the model's voices instead)."""

_DEFAULTS = Settings()


def only_taken(values: dict[str, Any], model: str) -> dict[str, Any]:
    """``values`` (settings keyword arguments) with every option ``model`` does not take put back to its
    default, and a thinking level the model does not offer put back to the model's default."""
    taken = options_for(model)
    out = dict(values)
    for name in MODEL_OPTIONS:
        if name not in taken and name in out:
            out[name] = getattr(_DEFAULTS, name)
    level = out.get("thinking_level")
    if level and level not in model_spec(model).thinking_levels:
        out["thinking_level"] = ""
    return out


def _words(text: str, separators: str) -> tuple[str, ...]:
    for sep in separators[1:]:
        text = text.replace(sep, separators[0])
    return tuple(word.strip() for word in text.split(separators[0]) if word.strip())


def _price(text: str, what: str) -> float | None:
    text = text.strip().removeprefix("$").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"The {what} price {text!r} is not a number (US$ per million tokens).") from None


class ModelPage(SettingsPage):
    """See the module docstring. Call :meth:`show_for` with the chosen model before showing the page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.about = self.explain("")
        self.about.setObjectName("")  # the model's line is read, not faint
        self._rows: dict[str, list[QWidget]] = {}
        self.taken: frozenset[str] = frozenset()  # options_for the model shown

        self.thinking_level = self._option("Thinking level", "thinking_level", combo(("Model default", "")))
        self.thinking_budget = self._option(
            "Thinking budget", "thinking_budget", spin(-1, 32_768, 256, " tokens")
        )
        self.thinking_budget.setSpecialValueText("Dynamic (the model decides)")
        self._note("thinking_budget", "0 turns thinking off; more tokens think longer before answering.")
        self.include_thoughts = self._option(
            "Thought summaries", "include_thoughts", QCheckBox("Show what the model thought, collapsed")
        )
        self._note(
            "include_thoughts",
            "Summaries appear folded in the transcript (open them with Enter) and are kept in history.",
        )
        self.affective_dialog = self._option(
            "Affective dialog", "affective_dialog", QCheckBox("Answer in a tone that fits how I sound")
        )
        self.proactive_audio = self._option(
            "Proactive audio", "proactive_audio", QCheckBox("Stay silent when I am not talking to Gemini")
        )
        resolutions = (("Model default", ""), ("Low: fewest tokens per frame", "low"),
                       ("Medium", "medium"), ("High: most detail", "high"))  # fmt: skip
        self.media_resolution = self._option("Media resolution", "media_resolution", combo(*resolutions))
        self._note("media_resolution", "Every frame sent costs tokens; a lower resolution costs fewer.")
        self.speech_language = self._unbound("Speech language", "speech_language", QLineEdit())
        self.speech_language.setPlaceholderText("The model chooses (or e.g. de-DE)")
        self.transcription_languages = self._unbound(
            "Transcription languages", "transcription_languages", QLineEdit()
        )
        self.transcription_languages.setPlaceholderText("Any (or e.g. en-US, de-DE)")
        self.custom_vocabulary = self._unbound("Custom vocabulary", "custom_vocabulary", QPlainTextEdit())
        self.custom_vocabulary.setPlaceholderText("Names and terms to expect, one a line")
        self.custom_vocabulary.setMaximumHeight(80)

        self.price_input = QLineEdit()
        self.price_output = QLineEdit()
        for box, what in ((self.price_input, "input"), (self.price_output, "output")):
            box.setAccessibleName(f"Estimated {what} price")
            box.textChanged.connect(self.edited)
        self.row("Estimated input price", self.price_input)
        self.row("Estimated output price", self.price_output)
        self.prices_note = self.explain("")

    # --- rows ------------------------------------------------------------------------------------

    def _option(self, label: str, name: str, widget: Any) -> Any:
        self._rows[name] = [self.field(label, name, widget)]
        return widget

    def _unbound(self, label: str, name: str, widget: Any) -> Any:
        widget.textChanged.connect(self.edited)
        widget.setAccessibleName(label)
        self.row(label, widget)
        self._rows[name] = [widget]
        return widget

    def _note(self, name: str, text: str) -> None:
        self._rows[name].append(self.explain(text))

    def shown_options(self) -> frozenset[str]:
        """The model-specific settings whose rows show now."""
        return frozenset(name for name, (widget, *_) in self._rows.items() if self.form.isRowVisible(widget))

    def show_for(self, model: str) -> None:
        """Show the rows of the options ``model`` takes and hide the others; offer its thinking levels."""
        spec = model_spec(model)
        taken = self.taken = options_for(model)
        for name, widgets in self._rows.items():
            for widget in widgets:
                self.form.setRowVisible(widget, name in taken)
        self._offer_levels(spec.thinking_levels)
        if not spec.known:
            about = f"{model} is not in this version's model list: only the common settings are sent."
        elif taken - {"response_modality"}:
            about = f"{spec.name}: {spec.use_for}."
        else:
            about = f"{spec.name}: {spec.use_for}. It takes no options beyond the common ones."
        self.about.setText(about)
        p = spec.prices
        self.price_input.setPlaceholderText(f"Catalog: ${p.input_text:g} text, ${p.input_audio:g} audio, "
                                            f"${p.input_video:g} video")  # fmt: skip
        self.price_output.setPlaceholderText(f"Catalog: ${p.output_text:g} text, ${p.output_audio:g} audio")
        self.prices_note.setText(
            "US$ per million tokens, only for the cost shown in the status bar: an estimate, not a bill. "
            f"Leave empty for the catalog's figures ({p.source})."
        )

    def _offer_levels(self, levels: tuple[str, ...]) -> None:
        box: QComboBox = self.thinking_level
        current = box.currentData() or ""
        box.blockSignals(True)
        box.clear()
        box.addItem("Model default", "")
        for level in levels:
            box.addItem(level.capitalize(), level)
        box.setCurrentIndex(max(0, box.findData(current)))
        box.blockSignals(False)
        if (box.currentData() or "") != current:
            self.edited.emit()

    # --- values ----------------------------------------------------------------------------------

    def load(self, s: Settings) -> None:
        self.show_for(s.model)
        super().load(s)
        if s.thinking_level and self.thinking_level.findData(s.thinking_level) < 0:
            select(self.thinking_level, "")  # a saved level this model does not offer
        self.speech_language.setText(s.speech_language)
        self.transcription_languages.setText(", ".join(s.transcription_languages))
        self.custom_vocabulary.setPlainText("\n".join(s.custom_vocabulary))
        self.price_input.setText("" if s.price_input_per_mtok is None else f"{s.price_input_per_mtok:g}")
        self.price_output.setText("" if s.price_output_per_mtok is None else f"{s.price_output_per_mtok:g}")

    def values(self) -> dict[str, Any]:
        """The fields as edited (every option, shown or not: the dialog filters them with
        :func:`only_taken`). Raises ConfigError for a price that is not a number."""
        return super().values() | {
            "speech_language": self.speech_language.text().strip(),
            "transcription_languages": _words(self.transcription_languages.text(), ",; "),
            "custom_vocabulary": _words(self.custom_vocabulary.toPlainText(), "\n,"),
            "price_input_per_mtok": _price(self.price_input.text(), "input"),
            "price_output_per_mtok": _price(self.price_output.text(), "output"),
        }
