"""What a resilient session keeps of the user's input so that nothing said across a reconnect is lost.

Sans-I/O: the shell records every send here and asks what to send after a reconnect.

**The replay ring** holds, in order, the microphone audio, typed turns and stream markers (audio stream end,
activity start/end) sent since the server last *acknowledged* everything (a turn ended, or a resumption
handle arrived, while the user was silent: :meth:`ReconnectCore.observe`). A resumption handle captures the
session only up to the moment it was issued, and a fresh session knows nothing, so after any reconnect the
whole ring is sent again: a sentence spoken across a drop reaches the model whole, including the part that
went into the dead socket. Input sent during the gap goes into the ring too and is sent after the replay.

Why not the service's transparent resumption (``SessionResumptionConfig(transparent=True)``, whose updates
carry ``last_consumed_client_message_index`` so a client replays only what the server did not consume):
google-genai 3.6.1 raises ValueError for ``transparent`` on the Gemini Developer API (Vertex only), so the
ring keeps everything since the last acknowledgement and replays it whole.

Bounds and drop policy, stated once:

- audio: at most ``max_audio_s`` seconds in the ring; beyond that the *oldest* audio is dropped
  (``audio_dropped_s`` counts audio dropped before it was ever sent, ``replay_truncated_s`` audio that had
  been sent but can no longer be replayed). While the ring holds no speech, only ``preroll_s`` of silence
  is kept (the lead-in before the next utterance; ``silence_trimmed_s``, not a loss).
- typed turns: at most ``max_texts`` in the ring; the oldest is dropped and counted (``texts_dropped``).
- camera frames during the gap: only the latest is kept (only the latest matters) and sent first after the
  reconnect; the others are counted in ``video_frames_dropped``.
- tool responses during the gap: at most ``max_tool_responses`` batches, oldest dropped; sent after the
  replay (a response to a call the new connection does not know is ignored by the service).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from desktop_app.core.commands import (
    Command,
    Marker,
    ToolResponse,
    UserAudio,
    UserImage,
    UserText,
    ends_user_turn,
)
from desktop_app.live.reconnect_policy import ReconnectPolicy

__all__ = ["BufferStats", "Entry", "OutgoingBuffer"]


@dataclass(slots=True)
class Entry:
    """One command kept for replay, with the bookkeeping the ring needs beside it.

    ``sent``: it went out on the connection of its time; ``loud``: audio above the speech level;
    ``seq``: its place in the ring (replay rounds hand out each entry once).
    """

    command: Command
    sent: bool = False
    loud: bool = False
    seq: int = 0

    @property
    def duration_s(self) -> float:
        command = self.command
        return command.fmt.duration_s(len(command.pcm)) if isinstance(command, UserAudio) else 0.0


@dataclass(slots=True)
class BufferStats:
    """Counters of what was kept, replayed and dropped (seconds of audio, counts of the rest)."""

    audio_buffered_s: float = 0.0  # audio recorded while disconnected
    audio_replayed_s: float = 0.0  # audio sent again (or for the first time) after reconnects
    audio_dropped_s: float = 0.0  # gap audio dropped before it was ever sent (the bound was hit)
    replay_truncated_s: float = 0.0  # sent audio that fell out of the ring while unacknowledged
    silence_trimmed_s: float = 0.0  # silence beyond the pre-roll, dropped while no speech was held
    texts_dropped: int = 0
    video_frames_dropped: int = 0
    tool_responses_dropped: int = 0
    replays: int = 0


class OutgoingBuffer:
    """The replay ring plus the gap-only latest frame and tool responses. Loop thread only.

    :meth:`record` every send with ``sent=True`` once it went out while connected, and with ``sent=False``
    when it could not go out (during the gap, or because the send failed). After a reconnect:
    :meth:`begin_replay`, then :meth:`take` until it returns nothing, sending each entry's ``command`` and
    calling :meth:`mark_sent`; if the new connection fails meanwhile, :meth:`restore` the entries not sent
    (the next round starts over).
    """

    def __init__(self, policy: ReconnectPolicy | None = None, max_tool_responses: int = 8) -> None:
        """``policy`` sizes the ring: ``audio_buffer_s`` of audio with ``preroll_s`` of silence before
        speech, ``max_buffered_texts`` typed turns, and ``quiet_hold_s`` of quiet that ends an utterance."""
        policy = policy or ReconnectPolicy()
        self.max_audio_s = policy.audio_buffer_s
        self.pause_s = policy.quiet_hold_s
        self.preroll_s = min(policy.preroll_s, self.max_audio_s)
        self.max_texts = max(1, policy.max_buffered_texts)
        self.max_tool_responses = max(1, max_tool_responses)
        self.stats = BufferStats()
        self._ring: deque[Entry] = deque()
        self._audio_s = 0.0
        self._texts = 0
        self._loud = 0  # loud audio ops in the ring
        self._video: Entry | None = None
        self._tools: deque[Entry] = deque()
        self._seq = 0
        self._taken_to = 0  # ring ops with seq <= this were handed out by the current replay round

    # --- facts -----------------------------------------------------------------------------------

    @property
    def audio_s(self) -> float:
        """Seconds of audio in the ring."""
        return self._audio_s

    @property
    def has_speech(self) -> bool:
        """The ring holds a loud (speech) block: the user said something not yet acknowledged."""
        return self._loud > 0

    def __len__(self) -> int:
        return len(self._ring) + (self._video is not None) + len(self._tools)

    def ring(self) -> list[Entry]:
        """A copy of the ring, oldest first (for tests and diagnostics)."""
        return list(self._ring)

    # --- recording -------------------------------------------------------------------------------

    def record(self, command: Command, *, sent: bool, loud: bool = False) -> None:
        """Keep ``command``: ``sent`` once it went out while connected, False when it could not go out (the
        gap, or a failed send); ``loud`` for audio above the speech level. A frame or tool answers that went
        out are not kept (only input that did not go out is sent after the gap)."""
        match command:
            case UserAudio():
                self._add_audio(Entry(command, sent, loud))
            case UserText():
                self._push(Entry(command, sent))
                self._texts += 1
                while self._texts > self.max_texts and self._drop_oldest(UserText):
                    pass
            case UserImage() if not sent:
                if self._video is not None:  # only the latest frame matters
                    self.stats.video_frames_dropped += 1
                self._video = Entry(command)
            case ToolResponse() if not sent:
                self._tools.append(Entry(command))
                while len(self._tools) > self.max_tool_responses:
                    self._tools.popleft()
                    self.stats.tool_responses_dropped += 1
            case _ if isinstance(command, Marker):
                self._push(Entry(command, sent))

    def _add_audio(self, entry: Entry) -> None:
        self._push(entry)
        self._audio_s += entry.duration_s
        self._loud += entry.loud
        if not entry.sent:
            self.stats.audio_buffered_s += entry.duration_s
        while self._audio_s > (self.max_audio_s if self._loud else self.preroll_s) + 1e-9:
            if not self._drop_oldest(UserAudio, silence=not self._loud):
                break

    def acknowledge(self) -> None:
        """The server has answered (or saved) what it heard: forget the sent part of the ring, except the
        utterance the user is in the middle of.

        That utterance is the trailing run of audio since the last pause of ``pause_s`` or more (or the
        last stream end, activity end or typed turn), kept with up to ``preroll_s`` of lead-in; it is kept
        only if it holds speech. Unsent items always stay.
        """
        ring = self._ring
        keep_from = len(ring)  # the earliest loud op of the utterance in progress, if any
        quiet = 0.0
        for index in range(len(ring) - 1, -1, -1):
            op = ring[index]
            if isinstance(op.command, UserAudio):
                if op.loud:
                    keep_from, quiet = index, 0.0
                else:
                    quiet += op.duration_s
                    if quiet >= self.pause_s:
                        break
            elif ends_user_turn(op.command):
                break
        lead = 0.0
        while 0 < keep_from < len(ring):
            previous = ring[keep_from - 1]
            audio = isinstance(previous.command, UserAudio)
            if not audio or lead + previous.duration_s > self.preroll_s + 1e-9:
                break
            lead += previous.duration_s
            keep_from -= 1
        self._ring = deque(op for index, op in enumerate(ring) if index >= keep_from or not op.sent)
        self._recount()

    # --- replay ----------------------------------------------------------------------------------

    def begin_replay(self) -> None:
        """A new connection is open: the next :meth:`take` starts from the oldest ring item."""
        self._taken_to = 0
        self.stats.replays += 1

    def take(self) -> list[Entry]:
        """The items to send now, in order: the pending frame, ring items not yet handed out in this
        round, then tool responses. Empty once everything was handed out."""
        items: list[Entry] = []
        if self._video is not None:
            items.append(self._video)
            self._video = None
        items.extend(op for op in self._ring if op.seq > self._taken_to)
        self._taken_to = self._seq
        items.extend(self._tools)
        self._tools.clear()
        return items

    def mark_sent(self, item: Entry) -> None:
        """``item`` (from :meth:`take`) went out on the new connection."""
        if isinstance(item.command, UserAudio):
            self.stats.audio_replayed_s += item.duration_s
        item.sent = True

    def restore(self, unsent: Sequence[Entry]) -> None:
        """The new connection failed while replaying: keep what was not sent for the next round."""
        for item in reversed(unsent):
            if isinstance(item.command, UserImage):
                if self._video is None:
                    self._video = item
            elif isinstance(item.command, ToolResponse):
                self._tools.appendleft(item)
        self._taken_to = 0

    # --- internals -------------------------------------------------------------------------------

    def _push(self, op: Entry) -> None:
        self._seq += 1
        op.seq = self._seq
        self._ring.append(op)

    def _recount(self) -> None:
        self._audio_s = sum(op.duration_s for op in self._ring)
        self._loud = sum(op.loud for op in self._ring if isinstance(op.command, UserAudio))
        self._texts = sum(isinstance(op.command, UserText) for op in self._ring)

    def _drop_oldest(self, kind: type[UserAudio] | type[UserText], *, silence: bool = False) -> bool:
        """Drop the oldest op of ``kind`` (and stale markers at the front); count what was lost.

        ``silence``: the ring holds no speech and is only being trimmed to the pre-roll (not a loss).
        """
        index = next((i for i, op in enumerate(self._ring) if isinstance(op.command, kind)), None)
        if index is None:
            return False
        op = self._ring[index]
        del self._ring[index]
        if isinstance(op.command, UserAudio):
            had_speech = self._loud > 0
            self._audio_s -= op.duration_s
            self._loud -= op.loud
            if silence:
                self.stats.silence_trimmed_s += op.duration_s
            elif not op.sent:
                self.stats.audio_dropped_s += op.duration_s
            elif had_speech:
                self.stats.replay_truncated_s += op.duration_s
        else:
            self._texts -= 1
            if not op.sent:
                self.stats.texts_dropped += 1
        while self._ring and isinstance(self._ring[0].command, Marker):
            self._ring.popleft()
        if not self._ring:
            self._audio_s = 0.0
        return True
