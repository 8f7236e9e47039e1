"""The settings dialog's Model page: only the chosen model's options show, switching models (picked or typed)
hides the others, and the dialog's result never holds a value the model refuses, so ``plan_connect`` has
nothing to leave out; the prices are labelled as estimates."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.config import Settings
from desktop_app.live.connect_config import plan_connect
from desktop_app.live.models import CATALOG, OPTION_LABELS, options_for
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.services.backend import session_options
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.settings_dialog import SettingsDialog
from desktop_app.ui.settings_model import MODEL_OPTIONS

EVERYTHING_ON = {
    "response_modality": "TEXT",
    "media_resolution": "low",
    "speech_language": "de-DE",
    "transcription_languages": ("de-DE", "en-US"),
    "custom_vocabulary": ("Gemini", "PySide"),
    "affective_dialog": True,
    "proactive_audio": True,
    "thinking_level": "high",
    "thinking_budget": 256,
    "include_thoughts": True,
}
assert set(EVERYTHING_ON) == set(MODEL_OPTIONS) == set(OPTION_LABELS) - {"voice"}


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[CommandRunner]:
    loop = LoopThread("model-page-test-loop")
    loop.start()
    yield CommandRunner(loop)
    loop.stop()


def _dialog(qtbot: QtBot, runner: CommandRunner, settings: Settings) -> SettingsDialog:
    dialog = SettingsDialog(settings, runner)
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def _choose(dialog: SettingsDialog, model: str) -> None:
    combo = dialog.gemini.model
    combo.setCurrentIndex(combo.findText(model))
    assert combo.currentText() == model


@pytest.mark.parametrize("model", list(CATALOG))
def test_only_the_chosen_models_options_show(qtbot: QtBot, runner: CommandRunner, model: str) -> None:
    d = _dialog(qtbot, runner, Settings(model="my-own-model"))
    _choose(d, model)
    taken = options_for(model)
    assert d.model_options.shown_options() == taken - {"response_modality"}
    assert d.gemini.form.isRowVisible(d.gemini.modality) is ("response_modality" in taken)
    assert CATALOG[model].name in d.model_options.about.text()


@pytest.mark.parametrize("source", ["my-own-model", *CATALOG])
def test_switching_models_never_keeps_a_refused_value(
    qtbot: QtBot, runner: CommandRunner, source: str
) -> None:
    d = _dialog(qtbot, runner, Settings(model=source, **EVERYTHING_ON))  # type: ignore[arg-type]
    for target in CATALOG:
        _choose(d, target)
        result = d.edited_settings()
        assert result.model == target
        assert plan_connect(session_options(result)).notices == (), target
        taken = options_for(target)
        for name in MODEL_OPTIONS:
            value = getattr(result, name)
            if name not in taken:
                assert value == getattr(Settings(), name), (target, name)
        sent = set(plan_connect(session_options(result)).sent)
        kept = {n for n in taken if n in EVERYTHING_ON and getattr(result, n) == EVERYTHING_ON[n]}
        # what the model takes and the user set is kept (the thinking level only where the model offers it)
        assert kept >= taken - {"response_modality", "thinking_level"}, target
        assert sent >= kept - {"response_modality"}, target


def test_a_typed_model_id_updates_the_page_as_it_is_typed(qtbot: QtBot, runner: CommandRunner) -> None:
    d = _dialog(qtbot, runner, Settings())
    assert "thinking_level" not in d.model_options.shown_options()  # gemini-3.8-live takes none
    d.gemini.model.setEditText("gemini-3.8-live-extended-thinking")
    assert d.model_options.shown_options() == options_for("gemini-3.8-live-extended-thinking")
    levels = [
        d.model_options.thinking_level.itemData(i) for i in range(d.model_options.thinking_level.count())
    ]
    assert levels == ["", "low", "medium", "high"]
    d.gemini.model.setEditText("someone-elses-live-model")
    assert d.model_options.shown_options() == frozenset()
    assert d.gemini.form.isRowVisible(d.gemini.modality)  # an unknown model may answer in text
    assert "not in this version's model list" in d.model_options.about.text()


def test_a_level_the_new_model_does_not_offer_falls_back_to_the_default(
    qtbot: QtBot, runner: CommandRunner
) -> None:
    d = _dialog(qtbot, runner, Settings(model="gemini-3.1-flash-live-preview", thinking_level="minimal"))
    assert d.model_options.thinking_level.currentData() == "minimal"
    _choose(d, "gemini-3.8-live-extended-thinking")  # low, medium, high only
    assert d.edited_settings().thinking_level == ""
    assert plan_connect(session_options(d.edited_settings())).notices == ()


def test_prices_are_labelled_as_estimates_and_round_trip(qtbot: QtBot, runner: CommandRunner) -> None:
    d = _dialog(qtbot, runner, Settings())
    page = d.model_options
    assert "estimate" in page.prices_note.text() and "not a bill" in page.prices_note.text()
    assert page.price_input.placeholderText().startswith("Catalog: $")
    assert page.form.labelForField(page.price_input).text() == "Estimated input price"  # type: ignore[union-attr]
    page.price_input.setText("abc")
    d.save_button.click()
    assert d.error.isVisible() and "not a number" in d.error.text()
    page.price_input.setText("1.5")
    page.price_output.setText("$9")
    d.save_button.click()
    result = d.result_settings()
    assert (result.price_input_per_mtok, result.price_output_per_mtok) == (1.5, 9.0)
    assert not d.needs_new_session()  # prices change only the estimate
