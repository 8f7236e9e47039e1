"""Settings, fault injection and counters of one emulator instance (plain dataclasses, no I/O)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.emulator.protocol_errors import INTERNAL
from desktop_app.emulator.tool_calls import DEMO_TRIGGERS, ToolTrigger

__all__ = [
    "DEFAULT_MODELS",
    "HISTORY_ONLY_CLIENT_CONTENT_MODELS",
    "EmulatorConfig",
    "EmulatorStats",
    "Faults",
]

DEFAULT_MODELS = frozenset(
    {
        "gemini-2.5-flash-native-audio-preview-12-2025",
        "gemini-2.5-flash-native-audio-preview-09-2025",
        "gemini-2.5-flash-native-audio-latest",
        "gemini-3.1-flash-live-preview",
        "gemini-3.8-live",
        "gemini-3.8-live-extended-thinking",
    }
)
"""Native-audio Live models served in late 2026 (research/protocol.md §2.11). None of them answers in TEXT.
What each refuses in a setup is ``model_rules``'."""

HISTORY_ONLY_CLIENT_CONTENT_MODELS = frozenset({"gemini-3.1-flash-live-preview"})
"""Models that take ``clientContent`` only to seed the initial history (GUIDE 2026; livekit/agents #5251)."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(slots=True)
class Faults:
    """Faults to inject, per emulator instance; tests may change the fields at any time.

    Message counts are per connection: server messages start with ``setupComplete`` (#1), client messages
    with ``setup`` (#1). A counted fault fires once, on the first connection that reaches the count, and then
    clears itself (the field goes back to None), so a client that reconnects gets a healthy connection.
    Set ``sticky = True`` to make counted faults fire on every connection instead.

    * ``drop_after_server_messages`` / ``drop_after_client_messages``: abort the TCP connection (no close
      frame; the SDK reports 1006) right after sending / receiving that many messages.
    * ``close_after_server_messages`` / ``close_after_client_messages``: close with ``close_code`` and
      ``close_reason`` instead (``close_after_client_messages=1`` refuses the setup).
    * ``reply_delay_ms``: hold every server message back this long after it became ready (a network
      latency; throughput and pacing are unchanged).
    * ``reject_next_resumption``: the next setup that carries a handle is refused with 1008
      "BidiGenerateContent session not found" even if the handle is known (fires once).
    """

    drop_after_server_messages: int | None = None
    drop_after_client_messages: int | None = None
    close_after_server_messages: int | None = None
    close_after_client_messages: int | None = None
    close_code: int = 1011
    close_reason: str = INTERNAL
    reply_delay_ms: float = 0.0
    reject_next_resumption: bool = False
    sticky: bool = False

    def take(self, name: str, count: int) -> bool:
        """True if the counted fault ``name`` (a field above) fires at message ``count``; it then clears
        itself unless ``sticky``. Connections call it once per message in or out."""
        armed = getattr(self, name)
        if armed is None or armed != count:
            return False
        if not self.sticky:
            setattr(self, name, None)
        return True


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    """How to run one emulator instance.

    Args:
        host: loopback address to bind (the certificate covers ``127.0.0.1``, ``::1`` and ``localhost``);
            anything else is refused: the emulator accepts any key and must not be reachable from outside.
        port: TCP port; 0 picks a free one (read :attr:`Emulator.port` after ``start``).
        cert_dir: where to write the CA certificate; None = a temporary directory removed by ``stop``.
        pace: real-time factor for streaming reply audio (1 = real time, 2 = twice as fast, 0 = as fast
            as possible).
        chunk_ms: duration of each reply audio chunk.
        lead_ms: how far paced audio may run ahead of real time (the service generates faster than real
            time and sends in bursts; a small lead keeps a client's playback buffer fed).
        known_models: model ids (without ``models/``) that the emulator serves; others close 1008.
        text_models: the subset that may answer in TEXT; TEXT on any other model closes 1007.
        history_only_models: models that take ``clientContent`` only as seeded history, before any
            realtime input and only with ``historyConfig.initialHistoryInClientContent``; else 1007.
        accepted_keys: if set, only these API keys are accepted; None accepts any non-empty key.
        rejected_keys: keys refused even when ``accepted_keys`` is None (handy in tests).
        go_away_after_s: per connection, send ``goAway`` this long after the setup (None = never) ...
        go_away_time_left_s: ... announcing this much time left, then close 1011 "Deadline expired…".
        voice_activity: send ``voiceActivity`` start/end messages when the VAD fires.
        max_utterance_s: cut an utterance that runs longer than this.
        faults: initial fault injection; the emulator copies it into ``Emulator.faults``.
        tool_triggers: scripted calls for typed turns: a turn holding a trigger's phrase calls its
            function with its arguments (if declared); a turn naming a declared function calls it anyway.
            The default, ``DEMO_TRIGGERS``, maps "what time is it", "open the project page", "what's on
            my screen" and "remind me in 10 minutes" to the built-in tools.
        speech_triggers: scripted calls for speech (the emulator cannot transcribe): each utterance takes
            the next trigger of this list, per connection, and calls its function if declared.
        timeline_path: append receive/send timestamps here for benchmarks (``emulator.timeline``).
    """

    host: str = "127.0.0.1"
    port: int = 0
    cert_dir: Path | None = None
    pace: float = 1.0
    chunk_ms: int = 40
    lead_ms: int = 200
    known_models: frozenset[str] = DEFAULT_MODELS
    text_models: frozenset[str] = frozenset()
    history_only_models: frozenset[str] = HISTORY_ONLY_CLIENT_CONTENT_MODELS
    accepted_keys: frozenset[str] | None = None
    rejected_keys: frozenset[str] = frozenset()
    go_away_after_s: float | None = None
    go_away_time_left_s: float = 10.0
    voice_activity: bool = True
    max_utterance_s: float = 30.0
    faults: Faults = field(default_factory=Faults)
    tool_triggers: tuple[ToolTrigger, ...] = DEMO_TRIGGERS
    speech_triggers: tuple[ToolTrigger, ...] = ()
    timeline_path: Path | None = None

    def __post_init__(self) -> None:
        if not _is_loopback(self.host):
            raise ValueError(f"the emulator binds loopback addresses only, not {self.host!r}")
        if self.pace < 0:
            raise ValueError("pace must be >= 0 (0 = as fast as possible)")
        if self.chunk_ms <= 0:
            raise ValueError("chunk_ms must be > 0")
        if self.lead_ms < 0:
            raise ValueError("lead_ms must be >= 0")
        if self.go_away_after_s is not None and self.go_away_after_s < 0:
            raise ValueError("go_away_after_s must be >= 0")
        if self.go_away_time_left_s < 0:
            raise ValueError("go_away_time_left_s must be >= 0")

    def key_accepted(self, key: str) -> bool:
        """Whether ``key`` passes: non-empty, not rejected, and listed when a list is configured."""
        if not key or key in self.rejected_keys:
            return False
        return self.accepted_keys is None or key in self.accepted_keys


@dataclass(slots=True)
class EmulatorStats:
    """Counters for tests; updated on the loop thread as things happen.

    ``turns`` counts ``turnComplete`` messages sent (interrupted turns included), ``interruptions``
    counts ``interrupted`` messages sent. ``last_setup`` is the normalised (camelCase) setup object of the
    latest accepted connection, for asserting what a client asked for.
    """

    connections: int = 0
    active_connections: int = 0
    setups_accepted: int = 0
    setups_rejected: int = 0
    messages_in: int = 0
    messages_out: int = 0
    audio_in_s: float = 0.0
    video_frames_in: int = 0
    turns: int = 0
    interruptions: int = 0
    tool_calls: int = 0
    tool_cancellations: int = 0  # ids in toolCallCancellation messages sent
    tool_responses: list[tuple[str, str | None]] = field(default_factory=list)  # (id, scheduling) received
    go_aways: int = 0
    resumptions: int = 0
    drops: int = 0
    close_codes: list[int] = field(default_factory=list)
    last_setup: dict[str, object] | None = None
