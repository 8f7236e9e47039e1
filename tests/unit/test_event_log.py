"""``event_record``: the JSON-ready form of an event used by the headless transcript and the history file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from desktop_app.core.events import MicAudio, ModelAudio, Role, Transcript
from desktop_app.core.media_events import AudioLevels, PreviewFrame
from desktop_app.event_log import EventLog, event_record


def test_plain_fields_are_kept_and_bytes_become_their_length() -> None:
    assert event_record(Transcript(Role.USER, "hi", final=True)) == {
        "type": "transcript",
        "role": "user",
        "text": "hi",
        "final": True,
    }
    record = event_record(MicAudio(b"\0" * 640, captured_at=1.5))
    assert record["type"] == "mic_audio" and record["pcm_bytes"] == 640 and record["captured_at"] == 1.5


def test_an_array_is_described_by_shape_and_type_never_printed() -> None:
    frame = np.full((720, 1280, 3), 7, np.uint8)
    record = event_record(PreviewFrame(frame, 1280, 720, 3, 0.25))
    assert record["frame"] == "array 720x1280x3 uint8"
    assert len(json.dumps(record)) < 200


def test_the_transcript_file_leaves_out_streaming_events(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "t.jsonl")
    log.open()
    log(Transcript(Role.USER, "hi", final=True))
    log(MicAudio(b"\0" * 640))
    log(ModelAudio(b"\0" * 960))
    log(AudioLevels(input_dbfs=-20.0))
    log(PreviewFrame(np.zeros((72, 128, 3), np.uint8), 128, 72, 1, 0.0))
    log.close()
    kinds = [json.loads(line)["type"] for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert kinds == ["transcript"] and log.lines == 1
