"""Errors you can act on (issue 18, part 2): the connection banner with Retry and folded details, typed text
that was not sent marked with Resend, and a "new session" notice never said over a failed connection."""

from __future__ import annotations

import cv2
import numpy as np

from desktop_app.core.app_events import BackendInfo, InputState
from desktop_app.core.error_wording import KEY_URL, Action, wording_for
from desktop_app.core.events import ErrorEvent, SessionPhase, SessionState
from desktop_app.core.media_events import FrameSent, VideoState, VideoStatus
from desktop_app.ui.transcript_model import EntryKind, TranscriptModel
from tests.ui.conftest import Harness

LOST = "The Live API backend is unreachable (connection refused)."


def test_wording_names_the_problem_in_plain_words_and_the_way_out() -> None:
    lost = wording_for("connection_lost")
    assert lost is not None and lost.title == "Can't reach Gemini — check your connection"
    assert lost.action is Action.RETRY
    auth = wording_for("auth")
    assert auth is not None and auth.action is Action.SET_KEY and KEY_URL in auth.hint
    demo = wording_for("server_error", demo=True)
    assert demo is not None and demo.title.startswith("The offline demo") and "Gemini" not in demo.title
    assert wording_for("audio_notice") is None and wording_for("tool_consent") is None  # notices stay notices


def test_a_lost_connection_shows_the_banner_until_it_is_live_again(harness: Harness) -> None:
    w = harness.window
    harness.emit(BackendInfo("gemini", "m"), SessionState(SessionPhase.LIVE, "gemini"))
    harness.emit(
        ErrorEvent(LOST, code="connection_lost", retryable=True), SessionState(SessionPhase.CLOSED, LOST)
    )
    harness.wait(lambda: w.error_banner.isVisible())
    assert w.error_banner.title.text() == "Can't reach Gemini — check your connection"
    assert not w.error_banner.detail.isVisible(), "the technical detail is folded"
    w.error_banner.details_button.click()
    assert w.error_banner.detail.isVisible() and w.error_banner.detail.text() == LOST
    assert not [n for n in w.notices.notices() if n.text == LOST], "said once, in the banner"
    assert w.snapshot()["error_banner"] == "Can't reach Gemini — check your connection"

    w.error_banner.retry_button.click()
    assert not w.error_banner.retry_button.isEnabled(), "one attempt at a time"
    harness.wait_call("retry")
    harness.wait(lambda: w.error_banner.retry_button.isEnabled())  # the retry ran and nothing changed
    assert w.error_banner.isVisible(), "it stays until the problem is resolved"

    harness.emit(SessionState(SessionPhase.CONNECTING, "gemini"), SessionState(SessionPhase.LIVE, "gemini"))
    harness.wait(lambda: not w.error_banner.isVisible())
    assert w.snapshot()["error_banner"] == ""


def test_a_refused_key_offers_the_key_field_beside_retry(harness: Harness) -> None:
    w = harness.window
    harness.emit(ErrorEvent("The API key was refused (server said: API Key not found).", code="auth"))
    harness.wait(lambda: w.error_banner.isVisible())
    assert w.error_banner.action_button.isVisible() and w.error_banner.action_button.text() == "Check key…"
    w.error_banner.action_button.click()
    harness.wait(lambda: w.dialog is not None and w.dialog.isVisible())
    harness.wait(lambda: w.dialog.gemini.api_key.hasFocus())
    w.dialog.reject()


def test_saving_settings_never_claims_a_new_session_over_a_failed_one(harness: Harness) -> None:
    w = harness.window
    harness.emit(
        ErrorEvent(LOST, code="connection_lost", retryable=True), SessionState(SessionPhase.CLOSED, LOST)
    )
    harness.wait(lambda: w.error_banner.isVisible())
    dialog = w.open_settings()
    dialog.gemini.voice.setCurrentIndex(dialog.gemini.voice.findData("Kore"))
    dialog.save_button.click()
    harness.wait(lambda: any(n.text.startswith("Settings saved") for n in w.notices.notices()))
    texts = [n.text for n in w.notices.notices()]
    assert "Settings saved." in texts and not any("new session" in t for t in texts), texts
    assert w.error_banner.isVisible()


def test_the_model_marks_an_unsent_message_and_gives_it_back_for_resend() -> None:
    model = TranscriptModel()
    [added] = model.add_typed("hello?")
    changes = model.mark_not_sent(added.entry.id)
    assert added.entry.not_sent and [c.entry.kind for c in changes] == [EntryKind.USER, EntryKind.UNSENT]
    note = changes[1].entry
    assert model.mark_not_sent(added.entry.id) == [], "marked once"
    text, removed = model.take_unsent(note.id)
    assert text == "hello?" and {c.entry.id for c in removed} == {added.entry.id, note.id}
    assert model.entries == ()
    assert model.take_unsent(note.id) == ("", [])


def test_text_typed_while_disconnected_is_marked_not_sent_and_can_be_resent(harness: Harness) -> None:
    w = harness.window
    harness.controller.text_sent = False  # the controller answers "not connected"
    w.composer.setText("are you there?")
    w.send_typed()
    harness.wait(lambda: len(w.transcript_view.rows()) >= 3)  # divider, the message, its note
    [message] = [e for e in w.transcript.entries if e.kind is EntryKind.USER]
    assert message.not_sent
    [bubble] = w.transcript_view.bubbles()
    assert "not sent" in bubble.meta
    [note_row] = [
        r for r in w.transcript_view.rows() if r.entry is not None and r.entry.kind is EntryKind.UNSENT
    ]
    assert note_row.text == "Not sent: are you there?"

    harness.controller.text_sent = True  # connected again
    note_row.widget.button.click()  # type: ignore[union-attr]
    harness.wait(lambda: harness.controller.names().count("send_text") == 2)
    assert harness.controller.last("send_text") == ("are you there?",)
    harness.wait(lambda: [(e.kind, e.not_sent) for e in w.transcript.entries] == [(EntryKind.USER, False)])
    assert not [
        r for r in w.transcript_view.rows() if r.entry is not None and r.entry.kind is EntryKind.UNSENT
    ]


def test_a_failed_camera_says_so_fits_its_space_and_offers_another(harness: Harness) -> None:
    w = harness.window
    w.resize(960, 640)
    long = "Camera 0 is not connected, or another program is using it. " * 3
    harness.emit(InputState(camera="0"), VideoStatus(VideoState.UNAVAILABLE, "camera 0", message=long))
    harness.wait(lambda: w.video._retry.isVisible())
    assert w.controls.camera.text() == "Camera unavailable"
    assert w.video._choose.isVisible() and w.video._choose.text() == "Choose another…"
    retry, choose = w.video._retry.geometry(), w.video._choose.geometry()
    assert not retry.intersects(choose) and w.video.rect().contains(retry) and w.video.rect().contains(choose)
    assert w.video._placeholder == "Camera unavailable" and w.video._hint == long
    assert retry.top() >= w.video.height() // 2 + 8, "the buttons sit below the title, inside the panel"
    w.video.resize(w.video.width(), 400)
    assert w.video._retry.geometry().top() >= 200 + 8 + w.video._hint_height(w.video.width() - 48), (
        "with room, below the whole hint"
    )
    w.video._choose.click()
    harness.wait(lambda: w.dialog is not None and w.dialog.isVisible())
    assert w.dialog.tabs.currentWidget() is w.dialog.devices
    w.dialog.reject()
    harness.emit(VideoStatus(VideoState.LIVE, "camera 0"))
    harness.wait(lambda: w.controls.camera.text() == "Camera on")


def test_the_thumbnail_and_frame_count_clear_when_vision_stops(harness: Harness) -> None:
    w = harness.window
    ok, jpeg = cv2.imencode(".jpg", np.zeros((90, 160, 3), np.uint8))
    assert ok
    harness.emit(
        InputState(camera="0"),
        VideoStatus(VideoState.LIVE, "camera 0"),
        FrameSent(jpeg.tobytes(), 160, 90, len(jpeg), 7),
    )
    harness.wait(lambda: w.mirror.last is not None)
    assert w.status.frames.text() == "7 frames sent"
    harness.emit(InputState(camera=None), VideoStatus(VideoState.STOPPED, "camera 0"))
    harness.wait(lambda: w.mirror.last is None)
    assert w.status.frames.text() == "Vision off" and w.mirror.caption.startswith("No frames sent yet")
    assert w.snapshot()["frames_sent"] == 0


def test_a_session_that_stopped_after_an_internal_error_still_offers_retry(harness: Harness) -> None:
    w = harness.window
    stopped = "The live session stopped after an internal error (RuntimeError('boom'))."
    harness.emit(ErrorEvent(stopped, code="internal"), SessionState(SessionPhase.CLOSED, stopped))
    harness.wait(lambda: w.error_banner.isVisible())
    assert w.error_banner.title.text() == "The conversation stopped"
    assert w.error_banner.detail.text() == stopped


def test_the_precise_wording_wins_whichever_comes_first(harness: Harness) -> None:
    w = harness.window
    harness.emit(BackendInfo("gemini", "m"))
    # a refused connection: the session's CLOSED comes before the service's notice
    harness.emit(SessionState(SessionPhase.CLOSED, LOST), ErrorEvent(LOST, code="connection_lost"))
    harness.wait(lambda: w.error_banner.title.text() == "Can't reach Gemini — check your connection")
    harness.emit(SessionState(SessionPhase.LIVE, "gemini"))
    harness.wait(lambda: not w.error_banner.isVisible())
    # a session that fails mid-way: the notice first, then CLOSED, which must not blur it
    harness.emit(ErrorEvent(LOST, code="connection_lost"), SessionState(SessionPhase.CLOSED, LOST))
    harness.wait(lambda: w.error_banner.isVisible())
    harness.wait(lambda: w.pill.plain_text == "Closed")
    assert w.error_banner.title.text() == "Can't reach Gemini — check your connection"


def test_a_backend_that_could_not_open_is_resolved_once_it_is_up(harness: Harness) -> None:
    w = harness.window
    harness.emit(ErrorEvent("The Gemini backend needs an API key.", code="backend"))
    harness.wait(lambda: w.error_banner.isVisible())
    assert w.error_banner.code == "backend"
    harness.emit(BackendInfo("emulator", "m", notice="demo"))  # up, even before any session opens
    harness.wait(lambda: not w.error_banner.isVisible())
    harness.emit(ErrorEvent(LOST, code="connection_lost"))
    harness.wait(lambda: w.error_banner.isVisible())
    harness.emit(BackendInfo("emulator", "m2", notice="demo"))  # not what a lost connection waits for
    harness.wait(lambda: w.backend.model == "m2")
    assert w.error_banner.isVisible()
    assert not w.banner.isVisible(), "the demo banner makes way while a problem shows"
