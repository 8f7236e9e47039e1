"""When the emulator received audio and sent what matters to latency, for benchmarks that split a latency at
the server (``--timeline FILE``; :attr:`EmulatorConfig.timeline_path`).

One line per note, ``<time.monotonic()> <kind> <value>``, line-buffered so a reader sees each line when it
happened. ``time.monotonic`` is the system's CLOCK_MONOTONIC, the same in every process on the machine, so a
benchmark can put these times beside its own. Kinds: ``audio_in`` (value: seconds of audio received so far,
noted when the message was parsed), ``activity_start`` / ``activity_end`` (value: the VAD's offset of the
start or end of speech in those seconds), ``audio`` (a reply chunk's send returned), ``interrupted`` and
``turn_complete`` (their send returned).
"""

from __future__ import annotations

import time
from pathlib import Path

from desktop_app.emulator.messages import AudioChunk, Interrupted, ServerOutput, TurnComplete, VoiceActivity

__all__ = ["Timeline"]


class Timeline:
    """An open timeline file. Loop thread only; :meth:`close` it when the emulator stops."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("a", buffering=1, encoding="utf-8")

    def _note(self, kind: str, value: float = 0.0) -> None:
        self._file.write(f"{time.monotonic():.6f} {kind} {value:.6f}\n")

    def received_audio(self, total_s: float) -> None:
        self._note("audio_in", total_s)

    def sent(self, output: ServerOutput) -> None:
        if isinstance(output, AudioChunk):
            self._note("audio")
        elif isinstance(output, VoiceActivity):
            kind = "activity_start" if output.kind == "ACTIVITY_START" else "activity_end"
            self._note(kind, output.audio_offset_s)
        elif isinstance(output, Interrupted):
            self._note("interrupted")
        elif isinstance(output, TurnComplete):
            self._note("turn_complete")

    def close(self) -> None:
        self._file.close()
