"""One model turn as a queue of server messages: what it carries, what was sent, what it cost in tokens.

The simulated model (``model``) builds a :class:`Reply` per turn with :meth:`Reply.compose`, pops its items
with :meth:`Reply.take` as the shell sends them, and on barge-in bills only what was taken
(:meth:`Reply.usage_so_far`). An :class:`Item` whose ``output`` is None marks a quiet point, where the model
issues a resumption handle. Pure data and arithmetic: no I/O, no clock.
"""

from __future__ import annotations

import math
import re
from collections import deque
from dataclasses import dataclass, field

from desktop_app.core.audio_format import MODEL_FORMAT
from desktop_app.emulator import media, messages

__all__ = ["AUDIO_TOKENS_IN_PER_S", "AUDIO_TOKENS_OUT_PER_S", "Item", "Reply", "ReplyStyle", "split_words"]

AUDIO_TOKENS_IN_PER_S = 32
AUDIO_TOKENS_OUT_PER_S = 25


@dataclass(slots=True)
class Item:
    """One queued message and the seconds of audio it carries (the shell paces by them)."""

    output: messages.ServerOutput | None  # None marks a quiet point: a resumption update is made when popped
    audio_s: float = 0.0


@dataclass(frozen=True, slots=True)
class ReplyStyle:
    """How a connection's replies are shaped, from its setup and the emulator's options."""

    text_mode: bool  # responseModalities TEXT: text parts instead of audio
    output_transcription: bool  # audio replies carry outputTranscription pieces
    chunk_ms: int  # duration of each reply audio chunk
    resumption: bool  # a quiet point (resumption handle) after each turn
    thoughts: bool = False  # setup asked for thought summaries: a thought part opens the turn
    background: bool = False  # extended thinking: turnComplete says IN_PROGRESS, IDLE follows the work


@dataclass(slots=True)
class Reply:
    """One model turn in progress: queued items plus what has been sent so far (for honest usage)."""

    items: deque[Item]
    prompt: dict[str, int]
    waiting_for: dict[str, str] = field(default_factory=dict)  # tool call id → function name
    sent_audio_s: float = 0.0
    sent_text_chars: int = 0
    turn: int = 0

    def take(self) -> Item:
        """Pop the next item (there must be one) and count it as sent."""
        item = self.items.popleft()
        self.sent_audio_s += item.audio_s
        if isinstance(item.output, messages.TextPart | messages.OutputTranscription):
            self.sent_text_chars += len(item.output.text)
        return item

    def usage_so_far(self, text_mode: bool) -> messages.Usage:
        """The turn's usage counting only what was taken: what an interrupted turn reports."""
        response: dict[str, int] = {}
        if self.sent_audio_s:
            response["AUDIO"] = round(self.sent_audio_s * AUDIO_TOKENS_OUT_PER_S)
        if self.sent_text_chars and text_mode:
            response["TEXT"] = math.ceil(self.sent_text_chars / 4)
        return messages.Usage(dict(self.prompt), response)

    def interrupted(self, text_mode: bool, background: bool) -> messages.TurnComplete:
        """The ``turnComplete`` that ends this turn on barge-in: usage so far; IDLE when the model works
        in the background (the interruption ends that work too)."""
        return messages.TurnComplete(self.usage_so_far(text_mode), "IDLE" if background else None)

    def compose(self, text: str, audio: bytes, style: ReplyStyle) -> None:
        """Append a model turn's content, ``generationComplete``, ``turnComplete`` and a quiet point.

        With ``style.thoughts`` a thought summary opens the turn (billed as thoughts); with
        ``style.background`` the turn keeps working after ``turnComplete`` (IN_PROGRESS): a background
        thought when asked for, then ``interactionStatus`` IDLE."""
        items = self.items
        response: dict[str, int]
        thought = f"Thinking about turn {self.turn}: a stand-in summary (the emulator does not think)."
        thoughts = math.ceil(len(thought) / 4) if style.thoughts else 0
        if style.thoughts:
            items.append(Item(messages.ThoughtPart(thought)))
        if style.text_mode:
            for piece in split_words(text, max(1, len(text) // 40)):
                items.append(Item(messages.TextPart(piece)))
            response = {"TEXT": math.ceil(len(text) / 4)}
        else:
            chunks = media.split_pcm(audio, MODEL_FORMAT.bytes_for_ms(style.chunk_ms))
            pieces = (
                split_words(text, max(1, min(len(chunks), len(text.split()) // 3)))
                if style.output_transcription
                else []
            )
            at = {index * len(chunks) // len(pieces): piece for index, piece in enumerate(pieces)}
            for index, chunk in enumerate(chunks):
                items.append(Item(messages.AudioChunk(chunk), MODEL_FORMAT.duration_s(len(chunk))))
                if index in at:
                    items.append(Item(messages.OutputTranscription(at[index])))
            if not chunks:
                items.extend(Item(messages.OutputTranscription(piece)) for piece in pieces)
            response = {"AUDIO": round(MODEL_FORMAT.duration_s(len(audio)) * AUDIO_TOKENS_OUT_PER_S)}
        items.append(Item(messages.GenerationComplete()))
        usage = messages.Usage(dict(self.prompt), response, thoughts)
        items.append(Item(messages.TurnComplete(usage, "IN_PROGRESS" if style.background else None)))
        if style.background:
            if style.thoughts:
                items.append(
                    Item(messages.ThoughtPart(f"Still working on turn {self.turn} in the background."))
                )
            items.append(Item(messages.InteractionStatus("IDLE")))
        if style.resumption:
            items.append(Item(None))


def split_words(text: str, pieces: int) -> list[str]:
    """``text`` cut at word boundaries into at most ``pieces`` parts that concatenate back to ``text``."""
    words = re.findall(r"\s*\S+", text)
    if not words:
        return [text] if text else []
    pieces = max(1, min(pieces, len(words)))
    return [
        "".join(words[index * len(words) // pieces : (index + 1) * len(words) // pieces])
        for index in range(pieces)
    ]
