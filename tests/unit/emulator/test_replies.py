"""A reply's message queue: what compose() queues, and what an interrupted turn bills."""

from __future__ import annotations

from collections import deque

import pytest

from desktop_app.core.audio_format import MODEL_FORMAT
from desktop_app.emulator.messages import (
    AudioChunk,
    GenerationComplete,
    OutputTranscription,
    TextPart,
    TurnComplete,
)
from desktop_app.emulator.replies import AUDIO_TOKENS_OUT_PER_S, Reply, ReplyStyle, split_words

AUDIO = ReplyStyle(text_mode=False, output_transcription=True, chunk_ms=40, resumption=True)
TEXT = ReplyStyle(text_mode=True, output_transcription=False, chunk_ms=40, resumption=False)
SENTENCE = "Offline emulator, turn 1: a reply of about a dozen words for the listener to hear."


def new_reply() -> Reply:
    return Reply(items=deque(), prompt={"TEXT": 3}, turn=1)


def test_an_audio_reply_is_chunks_with_its_transcript_then_the_turn_end_and_a_quiet_point() -> None:
    reply = new_reply()
    audio = bytes(MODEL_FORMAT.bytes_for_ms(400))
    reply.compose(SENTENCE, audio, AUDIO)
    outputs = [item.output for item in reply.items]
    chunks = [o for o in outputs if isinstance(o, AudioChunk)]
    assert len(chunks) == 10 and b"".join(c.pcm for c in chunks) == audio
    assert "".join(o.text for o in outputs if isinstance(o, OutputTranscription)) == SENTENCE
    assert isinstance(outputs[-3], GenerationComplete)
    end = outputs[-2]
    assert isinstance(end, TurnComplete) and end.usage is not None
    assert end.usage.prompt == {"TEXT": 3}
    assert end.usage.response == {"AUDIO": round(0.4 * AUDIO_TOKENS_OUT_PER_S)}
    assert outputs[-1] is None  # the quiet point where a resumption handle is issued
    assert sum(item.audio_s for item in reply.items) == pytest.approx(MODEL_FORMAT.duration_s(len(audio)))


def test_a_text_reply_is_text_parts_without_audio_or_quiet_point() -> None:
    reply = new_reply()
    reply.compose(SENTENCE, b"", TEXT)
    outputs = [item.output for item in reply.items]
    assert "".join(o.text for o in outputs if isinstance(o, TextPart)) == SENTENCE
    assert not any(isinstance(o, AudioChunk) for o in outputs)
    assert isinstance(outputs[-1], TurnComplete)


def test_usage_so_far_bills_only_what_was_taken() -> None:
    reply = new_reply()
    reply.compose(SENTENCE, bytes(MODEL_FORMAT.bytes_for_ms(2000)), AUDIO)
    taken = [reply.take() for _ in range(25)]  # 1 s of the 2 s, plus transcript pieces between chunks
    sent_audio = sum(item.audio_s for item in taken)
    assert 0 < sent_audio < 2.0
    usage = reply.usage_so_far(text_mode=False)
    assert usage.response == {"AUDIO": round(sent_audio * AUDIO_TOKENS_OUT_PER_S)}
    assert usage.prompt == {"TEXT": 3}
    assert new_reply().usage_so_far(text_mode=False).response == {}


def test_split_words_keeps_every_character_and_respects_the_piece_count() -> None:
    pieces = split_words(SENTENCE, 4)
    assert len(pieces) == 4 and "".join(pieces) == SENTENCE
    assert split_words("one", 9) == ["one"]
    assert split_words("", 3) == []
