"""The settings dialog: values load and round-trip through save and load, the reconnect note, the key,
and the device checks' answers (no devices here: the missing-device and video-file paths)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from desktop_app.audio.probes import DeviceChoice
from desktop_app.config import Settings, load_settings, save_settings, settings_path
from desktop_app.controller_api import DeviceLists
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.secrets import KeyLocation, KeyStore, StoredKey
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.settings_dialog import KeyAction, SettingsDialog


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[CommandRunner]:
    loop = LoopThread("dialog-test-loop")
    loop.start()
    yield CommandRunner(loop)
    loop.stop()


def _dialog(qtbot: QtBot, runner: CommandRunner, settings: Settings, **kw: object) -> SettingsDialog:
    dialog = SettingsDialog(settings, runner, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def test_the_dialog_shows_the_current_settings(qtbot: QtBot, runner: CommandRunner) -> None:
    s = Settings(
        model="my-custom-live-model",
        voice="Kore",
        response_modality="TEXT",
        system_instruction="Be brief.",
        vad_start_sensitivity="low",
        vad_silence_ms=800,
        input_device="USB Mic",
        video_source="/tmp/clip.mp4",
        video_fps=0.5,
        relay_port=9191,
        echo_cancellation=False,
    )
    d = _dialog(qtbot, runner, s)
    assert d.gemini.model.currentText() == "my-custom-live-model"
    assert d.gemini.voice.currentData() == "Kore" and d.gemini.modality.currentData() == "TEXT"
    assert d.gemini.system_instruction.toPlainText() == "Be brief."
    assert d.conversation.vad_start.currentData() == "low" and d.conversation.vad_silence.value() == 800
    assert d.devices.mic_combo.currentData() == "USB Mic"
    assert d.devices.camera_combo.currentText() == "/tmp/clip.mp4"
    assert (
        d.video_relay.video_fps.value(),
        d.video_relay.relay_port.value(),
        d.devices.echo.isChecked(),
    ) == (0.5, 9191, False)
    assert d.edited_settings() == s, "opening and saving without edits changes nothing"
    assert d.changed_fields() == set()


def test_edits_round_trip_through_save_and_load(
    qtbot: QtBot, runner: CommandRunner, _private_config: Path
) -> None:
    d = _dialog(qtbot, runner, Settings())
    d.gemini.voice.setCurrentIndex(d.gemini.voice.findData("Charon"))
    d.gemini.model.setEditText("my-text-model")  # text replies: the catalog's native-audio models refuse TEXT
    d.gemini.modality.setCurrentIndex(d.gemini.modality.findData("TEXT"))
    d.gemini.system_instruction.setPlainText("  Answer in French.  ")
    d.conversation.vad_end.setCurrentIndex(d.conversation.vad_end.findData("low"))
    d.conversation.vad_silence.setValue(1200)
    d.conversation.vad_padding.setValue(100)
    d.conversation.output_transcription.setChecked(False)
    d.devices.camera_combo.setEditText("rtsp://cam.local/stream")
    d.devices.noise.setChecked(False)
    d.video_relay.video_fps.setValue(1.5)
    d.video_relay.video_size.setValue(768)
    d.video_relay.video_quality.setValue(60)
    d.video_relay.video_speech_aware.setChecked(True)
    d.video_relay.relay_port.setValue(9099)
    d.save_button.click()
    result = d.result_settings()
    assert d.key_action is KeyAction.KEEP
    path = save_settings(result)
    assert path == settings_path() and path.is_relative_to(_private_config)
    loaded = load_settings()
    assert loaded == result
    assert (loaded.model, loaded.voice, loaded.response_modality, loaded.system_instruction) == (
        "my-text-model",
        "Charon",
        "TEXT",
        "Answer in French.",
    )
    assert (loaded.vad_end_sensitivity, loaded.vad_silence_ms, loaded.vad_prefix_padding_ms) == (
        "low",
        1200,
        100,
    )
    assert loaded.video_source == "rtsp://cam.local/stream"
    assert (loaded.video_fps, loaded.video_max_side, loaded.video_jpeg_quality) == (1.5, 768, 60)
    assert loaded.video_speech_aware is True
    assert (loaded.relay_port, loaded.noise_suppression, loaded.output_transcription) == (9099, False, False)


def test_the_note_names_what_needs_a_new_session(qtbot: QtBot, runner: CommandRunner) -> None:
    d = _dialog(qtbot, runner, Settings())
    d.video_relay.relay_port.setValue(9100)
    d.video_relay.video_size.setValue(512)
    assert d.reconnect_note.text() == "" and not d.needs_new_session()
    d.conversation.vad_silence.setValue(900)
    d.gemini.system_instruction.setPlainText("Be nice.")
    assert d.needs_new_session()
    assert d.reconnect_note.text() == (
        "Changing the activity detection, system instruction starts a new session: "
        "the conversation reconnects on Save."
    )
    d.conversation.vad_silence.setValue(Settings().vad_silence_ms)
    d.gemini.system_instruction.setPlainText("")
    assert d.reconnect_note.text() == "" and d.save_button.text() == "Save"


def test_a_saved_key_is_masked_and_can_be_replaced_or_forgotten(qtbot: QtBot, runner: CommandRunner) -> None:
    stored = StoredKey("AIzaSy-secret-secret-1234", KeyLocation.KEYRING)
    s = Settings(api_key=stored.key)
    d = _dialog(qtbot, runner, s, stored_key=stored)
    assert d.gemini.api_key.text() == ""
    assert "••••1234" in d.gemini.api_key.placeholderText()
    assert "secret" not in d.gemini.api_key.placeholderText() + d.gemini.key_status.text()
    assert "system keyring" in d.gemini.key_status.text()
    d.gemini.forget_key.click()
    assert "forgotten" in d.gemini.key_status.text() and "API key" in d.reconnect_note.text()
    d.save_button.click()
    assert d.key_action is KeyAction.FORGET and d.result_settings().api_key is None

    d2 = _dialog(qtbot, runner, s, stored_key=stored)
    d2.gemini.api_key.setText("  AIzaSy-new-key-0000  ")
    d2.save_button.click()
    assert d2.key_action is KeyAction.SAVE and d2.result_settings().api_key == "AIzaSy-new-key-0000"


def test_the_key_note_mentions_the_environment_and_a_file_fallback(
    qtbot: QtBot, runner: CommandRunner
) -> None:
    stored = StoredKey("k" * 20, KeyLocation.FILE, "No system keyring is available, so …")
    d = _dialog(qtbot, runner, Settings(), stored_key=stored, env_key=True)
    text = d.gemini.key_status.text()
    assert "GEMINI_API_KEY is set in the environment" in text
    assert "a private file" in text and "No system keyring is available" in text


def test_device_lists_fill_the_pickers_and_keep_a_missing_choice(qtbot: QtBot, runner: CommandRunner) -> None:
    d = _dialog(qtbot, runner, Settings(input_device="Old headset"))
    mic = DeviceChoice("pulse", "pulse (ALSA)")
    d.devices._fill_devices(DeviceLists(inputs=(mic,), outputs=(mic,)))
    assert [d.devices.mic_combo.itemText(i) for i in range(d.devices.mic_combo.count())] == [
        "System default",
        "pulse (ALSA)",
        "Old headset (not connected)",
    ]
    assert d.devices.mic_combo.currentData() == "Old headset"
    assert [d.devices.speaker_combo.itemData(i) for i in range(d.devices.speaker_combo.count())] == [
        None,
        "pulse",
    ]


def test_a_microphone_check_on_a_missing_device_explains_itself(qtbot: QtBot, runner: CommandRunner) -> None:
    d = _dialog(qtbot, runner, Settings(input_device="no-such-microphone-xyz"))
    d.devices.mic_test.click()
    assert not d.devices.mic_test.isEnabled()
    qtbot.waitUntil(d.devices.mic_test.isEnabled, timeout=10_000)
    assert "no-such-microphone-xyz" in d.devices.mic_result.text()
    assert "Traceback" not in d.devices.mic_result.text()


def test_the_camera_preview_shows_a_picture_from_a_video_file(
    qtbot: QtBot, runner: CommandRunner, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 180))
    for _ in range(3):
        writer.write(np.full((180, 320, 3), (30, 160, 220), np.uint8))
    writer.release()
    d = _dialog(qtbot, runner, Settings(video_source=str(clip)))
    d.devices.camera_test.click()
    qtbot.waitUntil(
        lambda: (
            d.devices.camera_preview.pixmap() is not None and not d.devices.camera_preview.pixmap().isNull()
        )
    )
    image = d.devices.camera_preview.pixmap().toImage()
    color = image.pixelColor(image.width() // 2, image.height() // 2)
    assert abs(color.red() - 220) < 20 and abs(color.blue() - 30) < 20, "BGR must show as RGB"

    d.devices.camera_combo.setEditText(str(tmp_path / "missing.mp4"))
    d.devices.camera_test.click()
    qtbot.waitUntil(lambda: "missing.mp4" in d.devices.camera_preview.text(), timeout=10_000)


def test_key_store_round_trip_matches_what_the_dialog_saves(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, backend=None)
    saved = store.save("AIzaSy-from-dialog-9876")
    assert store.load().key == "AIzaSy-from-dialog-9876" and saved.masked == "••••9876"


def test_recording_both_sides_is_a_checkbox_that_round_trips_without_a_new_session(
    qtbot: QtBot, runner: CommandRunner
) -> None:
    d = _dialog(qtbot, runner, Settings())
    assert not d.conversation.record_audio.isChecked()
    assert d.conversation.record_audio.text() == "Record both sides to a WAV file"
    d.conversation.record_audio.setChecked(True)
    assert d.changed_fields() == {"record_audio"} and not d.needs_new_session()
    d.save_button.click()
    save_settings(d.result_settings())
    assert load_settings().record_audio is True
    assert _dialog(qtbot, runner, load_settings()).conversation.record_audio.isChecked()


def test_the_devices_page_turns_local_barge_in_off(qtbot: QtBot, runner: CommandRunner) -> None:
    d = _dialog(qtbot, runner, Settings())
    assert d.devices.barge_in.isChecked(), "on by default"
    d.devices.barge_in.setChecked(False)
    assert d.changed_fields() == {"local_barge_in"}
    assert d.edited_settings().local_barge_in is False
