"""The replay ring and gap buffer: what is kept, replayed, acknowledged and dropped (and counted)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.audio_format import MIC_FORMAT
from desktop_app.core.commands import (
    ActivityEnd,
    AudioStreamEnd,
    FunctionResult,
    ToolResponse,
    UserAudio,
    UserImage,
    UserText,
)
from desktop_app.live.reconnect_policy import ReconnectPolicy
from desktop_app.live.resilient_buffer import Entry, OutgoingBuffer

BLOCK_S = 0.02


def block(tag: int) -> bytes:
    """A 20 ms block whose first sample identifies it."""
    pcm = bytearray(MIC_FORMAT.bytes_for_ms(20))
    pcm[0:2] = tag.to_bytes(2, "little")
    return bytes(pcm)


def tag_of(op: Entry) -> int:
    assert isinstance(op.command, UserAudio)
    return int.from_bytes(op.command.pcm[0:2], "little")


def add_blocks(buf: OutgoingBuffer, tags: range, *, loud: bool, sent: bool) -> None:
    for tag in tags:
        buf.record(UserAudio(block(tag), MIC_FORMAT), sent=sent, loud=loud)


def replay_all(buf: OutgoingBuffer) -> list[Entry]:
    buf.begin_replay()
    out: list[Entry] = []
    while items := buf.take():
        for item in items:
            buf.mark_sent(item)
            out.append(item)
    return out


def test_sent_speech_is_kept_until_acknowledged_and_replayed_in_order() -> None:
    buf = OutgoingBuffer(ReconnectPolicy(audio_buffer_s=5.0))
    add_blocks(buf, range(50), loud=True, sent=True)
    buf.record(AudioStreamEnd(), sent=True)
    add_blocks(buf, range(50, 60), loud=True, sent=False)  # the gap
    replayed = replay_all(buf)
    assert [tag_of(op) for op in replayed if isinstance(op.command, UserAudio)] == list(range(60))
    assert isinstance(replayed[50].command, AudioStreamEnd)
    assert buf.stats.audio_replayed_s == pytest.approx(60 * BLOCK_S)
    assert buf.stats.audio_buffered_s == pytest.approx(10 * BLOCK_S)
    buf.acknowledge()  # the speech after the stream end is an utterance still in progress
    assert [tag_of(op) for op in buf.ring()] == list(range(50, 60))
    buf.record(AudioStreamEnd(), sent=True)
    buf.acknowledge()
    assert len(buf) == 0 and buf.audio_s == 0


def test_acknowledging_keeps_the_utterance_in_progress() -> None:
    buf = OutgoingBuffer(ReconnectPolicy(audio_buffer_s=5.0, preroll_s=0.1, quiet_hold_s=0.3))
    add_blocks(buf, range(0, 25), loud=True, sent=True)  # the answered utterance
    add_blocks(buf, range(25, 50), loud=False, sent=True)  # a 0.5 s pause
    add_blocks(buf, range(50, 60), loud=True, sent=True)  # the user starts again
    buf.acknowledge()
    kept = [tag_of(op) for op in buf.ring()]
    assert kept == list(range(45, 60))  # the new utterance plus 0.1 s of lead-in
    assert buf.has_speech


def test_a_short_pause_is_part_of_the_utterance() -> None:
    buf = OutgoingBuffer(ReconnectPolicy(audio_buffer_s=5.0, preroll_s=0.0, quiet_hold_s=0.3))
    add_blocks(buf, range(0, 10), loud=True, sent=True)
    add_blocks(buf, range(10, 15), loud=False, sent=True)  # 0.1 s: a breath, not a pause
    add_blocks(buf, range(15, 20), loud=True, sent=True)
    buf.acknowledge()
    assert [tag_of(op) for op in buf.ring()] == list(range(20))


def test_acknowledging_after_a_stream_end_or_silence_forgets_everything_sent() -> None:
    buf = OutgoingBuffer()
    add_blocks(buf, range(10), loud=True, sent=True)
    buf.record(AudioStreamEnd(), sent=True)
    buf.acknowledge()
    assert buf.ring() == []
    add_blocks(buf, range(10), loud=True, sent=True)
    add_blocks(buf, range(10, 30), loud=False, sent=True)
    buf.acknowledge()
    assert buf.ring() == []


def test_acknowledging_never_forgets_unsent_input() -> None:
    buf = OutgoingBuffer()
    add_blocks(buf, range(5), loud=True, sent=True)
    buf.record(AudioStreamEnd(), sent=True)
    buf.record(UserText("typed in the gap"), sent=False)
    buf.acknowledge()
    assert [type(op.command) for op in buf.ring()] == [UserText]


def test_the_bound_drops_the_oldest_audio_and_counts_it() -> None:
    buf = OutgoingBuffer(ReconnectPolicy(audio_buffer_s=1.0))
    add_blocks(buf, range(100), loud=True, sent=False)  # 2 s in the gap
    tags = [tag_of(op) for op in buf.ring()]
    assert tags == list(range(50, 100))
    assert buf.audio_s == pytest.approx(1.0)
    assert buf.stats.audio_dropped_s == pytest.approx(1.0)
    assert buf.stats.replay_truncated_s == 0


def test_sent_speech_falling_out_of_the_ring_counts_as_truncated_replay() -> None:
    buf = OutgoingBuffer(ReconnectPolicy(audio_buffer_s=0.2))
    add_blocks(buf, range(20), loud=True, sent=True)
    assert buf.stats.replay_truncated_s == pytest.approx(0.2)
    assert buf.stats.audio_dropped_s == 0


def test_silence_is_trimmed_to_the_preroll_and_not_counted_as_lost() -> None:
    buf = OutgoingBuffer(ReconnectPolicy(audio_buffer_s=5.0, preroll_s=0.2))
    add_blocks(buf, range(100), loud=False, sent=False)
    assert buf.audio_s == pytest.approx(0.2)
    assert [tag_of(op) for op in buf.ring()] == list(range(90, 100))
    assert buf.stats.audio_dropped_s == 0 and buf.stats.silence_trimmed_s == pytest.approx(1.8)


def test_typed_turns_are_bounded_oldest_dropped() -> None:
    buf = OutgoingBuffer(ReconnectPolicy(max_buffered_texts=2))
    for n in range(4):
        buf.record(UserText(f"t{n}"), sent=False)
    assert [op.command.text for op in buf.ring() if isinstance(op.command, UserText)] == ["t2", "t3"]
    assert buf.stats.texts_dropped == 2


def test_only_the_latest_frame_is_kept_and_it_goes_first() -> None:
    buf = OutgoingBuffer()
    add_blocks(buf, range(3), loud=True, sent=False)
    for n in range(5):
        buf.record(UserImage(bytes([n]), "image/jpeg"), sent=False)
    buf.record(ToolResponse((FunctionResult("c1", "f"),)), sent=False)
    items = replay_all(buf)
    assert items[0].command == UserImage(bytes([4]), "image/jpeg")
    assert isinstance(items[-1].command, ToolResponse)
    assert buf.stats.video_frames_dropped == 4


def test_a_frame_or_tool_answer_that_went_out_is_not_kept() -> None:
    buf = OutgoingBuffer()
    buf.record(UserImage(b"frame"), sent=True)
    buf.record(ToolResponse((FunctionResult("c1", "f"),)), sent=True)
    assert len(buf) == 0
    assert replay_all(buf) == []


def test_tool_responses_are_bounded() -> None:
    buf = OutgoingBuffer(max_tool_responses=2)
    for n in range(3):
        buf.record(ToolResponse((FunctionResult(f"c{n}", "f"),)), sent=False)
    items = replay_all(buf)
    assert [item.command.results[0].id for item in items if isinstance(item.command, ToolResponse)] == [
        "c1",
        "c2",
    ]
    assert buf.stats.tool_responses_dropped == 1


def test_input_arriving_during_the_replay_is_taken_next() -> None:
    buf = OutgoingBuffer()
    add_blocks(buf, range(3), loud=True, sent=False)
    buf.begin_replay()
    first = buf.take()
    add_blocks(buf, range(3, 5), loud=True, sent=False)  # sent by the app while the replay runs
    buf.record(ActivityEnd(), sent=False)
    second = buf.take()
    assert [tag_of(op) for op in first] == [0, 1, 2]
    assert [tag_of(op) for op in second[:2]] == [3, 4] and isinstance(second[2].command, ActivityEnd)
    assert buf.take() == []


def test_a_failed_replay_starts_over_on_the_next_connection() -> None:
    buf = OutgoingBuffer()
    add_blocks(buf, range(4), loud=True, sent=False)
    buf.record(UserImage(b"frame", "image/jpeg"), sent=False)
    buf.begin_replay()
    items = buf.take()
    buf.mark_sent(items[0])  # the frame went out, then the new connection died
    buf.mark_sent(items[1])
    buf.restore(items[2:])
    again = replay_all(buf)
    assert [tag_of(op) for op in again] == [0, 1, 2, 3]  # the whole ring again, the frame not again


@given(
    st.lists(st.tuples(st.booleans(), st.booleans(), st.integers(0, 3)), min_size=1, max_size=400),
)
def test_the_ring_never_exceeds_its_bound(script: list[tuple[bool, bool, int]]) -> None:
    buf = OutgoingBuffer(ReconnectPolicy(audio_buffer_s=0.5, preroll_s=0.1, max_buffered_texts=3))
    for loud, sent, action in script:
        if action == 0:
            buf.record(UserText("x"), sent=sent)
        elif action == 1:
            buf.acknowledge()
        else:
            buf.record(UserAudio(block(1), MIC_FORMAT), sent=sent, loud=loud)
        assert buf.audio_s <= 0.5 + 1e-9
        assert sum(isinstance(op.command, UserText) for op in buf.ring()) <= 3
        assert buf.audio_s == pytest.approx(
            sum(op.duration_s for op in buf.ring() if isinstance(op.command, UserAudio))
        )
