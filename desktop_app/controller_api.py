"""Everything the window may use of the rest of the application: the UI's one façade.

``desktop_app.ui`` imports only :mod:`desktop_app.core`, this module and its own modules (a test in
``tests/ui`` checks it). What the UI needs from elsewhere is named here, so a move behind the façade changes
one import line, not the window:

- :class:`Controller`, the command side of the Qt bridge (below), and :data:`ControllerFactory`;
- settings: :class:`Settings`, its :class:`Section` and the one diff (:func:`changed_fields`,
  :func:`changed_sections`, :func:`section_of`, :data:`NEW_SESSION_SECTIONS`), :func:`config_dir`, and the
  model and voice choices (:data:`DEFAULT_MODEL`, :data:`VOICES`, :func:`voice_label`: "Puck — Upbeat");
- the API key's store (:class:`KeyStore`, :class:`StoredKey`); what checking a key found (:class:`KeyCheck`);
- past conversations (:class:`HistoryStore` and the reader and export functions the history panel uses);
- tools (issue 14): the consent port the window implements (:class:`ConsentBroker`, :class:`ConsentRequest`,
  :class:`ConsentAnswer`), the desktop ports it provides (:class:`ClipboardPort`, :class:`BrowserPort`;
  they raise :class:`ToolError`), what the Tools tab edits (:class:`Risk`,
  :class:`Policy`, :func:`parse_policy_entries`, :func:`format_policy_entries`) and the MCP servers'
  check (:func:`parse_mcp_servers`); :class:`ToolInfo` (the Tools tab's rows);
- resource paths (:func:`icons_dir`, :func:`sample_wav`, :class:`MissingAssetError`);
- the loop thread the bridge submits to (:class:`LoopThread`);
- blocking device probes for the settings dialog and the screen menu (audio: :func:`audio_devices`,
  :func:`check_microphone`, :func:`play_test_tone`; video: :func:`camera_choices`, :func:`camera_snapshot`,
  :func:`monitors`, and the share picker's :func:`screen_choices` (:class:`ScreenChoices`: monitors with
  thumbnails, windows, a frozen desktop). They block: run them off the Qt thread
  (``CommandRunner.run_blocking``).

The controller: the window never touches sessions or devices. It calls these coroutines on the loop
thread (through ``LoopThread.submit``) and learns what happened only from events. Every command returns
quickly; device and network work happens on the loop or in worker threads, never on the caller's thread.

Events the controller publishes (all frozen dataclasses; subscribe once, filter by type):

- ``desktop_app.core.events``: ``SessionState`` (connecting/live/reconnecting/closed), ``BackendInfo``
  (offline banner text), ``RelayStatus``, ``InputState`` (after every toggle: ``listening`` is "Start
  talking", ``screen_label`` names what is shared, ``mic_test`` the settings' test), ``Transcript`` (streaming
  pieces, ``final``), ``Interrupted``, ``TurnComplete``, ``TurnLatency``, ``UsageUpdate``, ``GoAway``
  (countdown), ``VoiceActivity``, ``ErrorEvent`` (readable; the session goes on unless it is closed),
  ``ModelAudio`` (ignore in the UI), ``ModelThought`` (show collapsed), ``InteractionUpdate`` (extended
  thinking: "working in the background" from IN_PROGRESS until IDLE); ``ErrorEvent(code="model_setup")`` is
  a saved option the model does not take, left out of the session.
- Tools: ``ToolActivity`` (one step of a call: asking/running/done/failed/cancelled; show it in the
  transcript, with a consent card while ``asking`` when no broker is set), ``ToolsChanged``, ``Grounding``
  (the reply's search queries and sources: source chips under the reply). After a ``ToolsChanged`` that
  changes what is declared, the session is reopened at the next quiet moment (its ``SessionState`` shows).
- The model catalog, for the settings dialog: ``offered_models()`` and ``options_for(model)`` (the settings
  this model takes beyond the common ones: show only those), ``OPTION_LABELS`` (their names in sentences).
- Usage: fold each ``UsageUpdate`` into a ``SessionUsage`` with ``add_usage(so_far, update,
  cumulative=model_spec(m).cumulative_usage)``; show ``context_gauge(...)`` and
  ``estimate_cost(usage, prices_with(model_spec(m).prices, ...))`` with its ``label`` (an estimate).
- ``desktop_app.core.media_events``: ``AudioLevels`` (~20/s, input and output dBFS), ``PreviewFrame``
  (full-rate BGR numpy frame), ``FrameSent`` (the exact JPEG sent, its size and the running count:
  "what Gemini sees"), ``VideoStatus``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from desktop_app.audio.probes import DeviceLists, MicCheck, audio_devices, check_microphone, play_test_tone
from desktop_app.config import (
    NEW_SESSION_SECTIONS,
    Section,
    Settings,
    changed_fields,
    changed_sections,
    config_dir,
    section_of,
)
from desktop_app.core.events import Event
from desktop_app.history import HistoryStore, SessionLog, SessionSummary, load_session, to_markdown, to_srt
from desktop_app.history.export import export_file_name, format_duration
from desktop_app.history.paths import recordings_of
from desktop_app.history.reader import Notice
from desktop_app.live.models import (  # the Qt-free model catalog and usage arithmetic, for the window
    OPTION_LABELS,
    ModelSpec,
    model_spec,
    offered_models,
    options_for,
)
from desktop_app.live.options import DEFAULT_MODEL, VOICES
from desktop_app.live.usage import SessionUsage, add_usage, context_gauge, estimate_cost, prices_with
from desktop_app.live.voices import voice_label
from desktop_app.resources import MissingAssetError, icons_dir, sample_wav
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.secrets import KeyStore, StoredKey
from desktop_app.services.backend import KeyCheck
from desktop_app.services.tools import ToolInfo
from desktop_app.tools.consent import ConsentAnswer, ConsentBroker, ConsentRequest
from desktop_app.tools.mcp_config import parse_mcp_servers
from desktop_app.tools.policy import format_policy_entries, parse_policy_entries
from desktop_app.tools.ports import BrowserPort, ClipboardPort
from desktop_app.tools.spec import Policy, Risk, ToolError
from desktop_app.video.probes import MonitorInfo, camera_choices, camera_snapshot, monitors
from desktop_app.video.screen_choices import ScreenChoices, screen_choices

__all__ = [
    "DEFAULT_MODEL",
    "NEW_SESSION_SECTIONS",
    "OPTION_LABELS",
    "VOICES",
    "BrowserPort",
    "ClipboardPort",
    "ConsentAnswer",
    "ConsentBroker",
    "ConsentRequest",
    "Controller",
    "ControllerFactory",
    "DeviceLists",
    "HistoryStore",
    "KeyCheck",
    "KeyStore",
    "LoopThread",
    "MicCheck",
    "MissingAssetError",
    "ModelSpec",
    "MonitorInfo",
    "Notice",
    "Policy",
    "Risk",
    "ScreenChoices",
    "Section",
    "SessionLog",
    "SessionSummary",
    "SessionUsage",
    "Settings",
    "StoredKey",
    "ToolError",
    "ToolInfo",
    "add_usage",
    "audio_devices",
    "camera_choices",
    "camera_snapshot",
    "changed_fields",
    "changed_sections",
    "check_microphone",
    "config_dir",
    "context_gauge",
    "estimate_cost",
    "export_file_name",
    "format_duration",
    "format_policy_entries",
    "icons_dir",
    "load_session",
    "model_spec",
    "monitors",
    "offered_models",
    "options_for",
    "parse_mcp_servers",
    "parse_policy_entries",
    "play_test_tone",
    "prices_with",
    "recordings_of",
    "sample_wav",
    "screen_choices",
    "section_of",
    "to_markdown",
    "to_srt",
    "voice_label",
]


ControllerFactory = Callable[[Settings, Callable[[Event], None]], "Controller"]
"""Builds the controller from the settings and the publish callable (no I/O in the constructor). The
window calls it once, on the Qt thread, after the window is shown; ``publish`` may be called from any
thread."""


class Controller(Protocol):
    """The commands the window sends (see the module docstring). Each returns quickly, never raises for a
    device or network failure (that becomes an ``ErrorEvent``), and is called on the loop thread only.
    Every toggle publishes the new ``InputState``."""

    async def start(self) -> None:
        """Open the backend, the relay, the audio devices and (unless the window starts idle: nothing is
        sent before the user acts) the session. Failures become events."""
        ...

    async def stop(self) -> None:
        """Shut down in order: session, capture, playback, relay. Safe to call twice."""
        ...

    async def set_listening(self, on: bool) -> None:
        """ "Start talking" (True): open the session if the window started idle, then send the microphone;
        False: stop sending it (the session stays open). ``InputState.listening`` shows which."""
        ...

    async def set_mic_test(self, running: bool) -> None:
        """The settings' microphone test started (True) or ended: nothing from the microphone is sent to
        Gemini meanwhile, so the test stays on this machine. Call it with False when the test ends."""
        ...

    async def set_mic_muted(self, muted: bool) -> None:
        """Muted: no microphone audio is sent (the device stays open)."""
        ...

    async def set_push_to_talk(self, enabled: bool) -> None:
        """With push-to-talk on, the microphone is sent only while :meth:`talk` is held."""
        ...

    async def talk(self, pressed: bool) -> None:
        """The push-to-talk key went down (True) or up; ignored while push-to-talk is off."""
        ...

    async def set_camera(self, spec: str | None) -> None:
        """Camera index, file or URL; None turns vision off. Replaces screen sharing. Turning it on opens
        the session if none is open (a deliberate act)."""
        ...

    async def set_screen(self, monitor: str | None) -> None:
        """``"1"``, ``"2"``…, ``"L,T,WxH"`` (a region) or ``"window:ID"`` (an X11 window, followed); None
        stops sharing and turns back on the camera that was on before. Replaces the camera; opens the
        session if none is open. ``InputState.screen_label`` names what is shared."""
        ...

    async def set_vision_paused(self, paused: bool) -> None:
        """Paused: frames stop going to Gemini; the source stays open and the preview goes on."""
        ...

    async def retry_camera(self) -> None:
        """Try to reopen a camera that failed (a ``VideoStatus`` said unavailable); no-op otherwise."""
        ...

    async def send_text(self, text: str) -> bool:
        """A typed turn; True when it was sent. Blank text is ignored (False); when not connected, or the
        send failed, it returns False and a notice says why (the window marks the message not sent)."""
        ...

    async def retry(self) -> None:
        """Reconnect after a failed or closed connection: reopen the backend if it could not open (and
        start what waited for it), else open a new session. No-op while the session is live. A failure
        is published again (an ``ErrorEvent``), so the window's banner stays."""
        ...

    async def check_key(self, key: str) -> KeyCheck:
        """Whether Gemini takes ``key``: one session opened and closed at once (up to ~10 s; nothing is
        sent). ``refused`` means a bad key; ``checked`` False means Gemini could not be reached."""
        ...

    async def preview_voice(self, voice: str) -> str:
        """Say a short sentence in ``voice`` through the speaker, from a one-off session on the current
        backend (the conversation is not touched). Returns "" when it played, else a sentence saying why
        not. Uses the user's key: offer it only when there is one."""
        ...

    async def set_volume(self, volume: float) -> None:
        """0.0–2.0, applied at once."""
        ...

    async def set_headphones(self, on: bool) -> None:
        """Headphones on = echo cancellation off."""
        ...

    async def apply_settings(self, settings: Settings) -> bool:
        """Save and apply; returns True when the change needed (and got) a new session."""
        ...

    def set_consent(self, broker: ConsentBroker | None) -> None:
        """Answer "ask" calls with ``broker`` (its ``ask`` runs on the loop thread and may be cancelled:
        withdraw the card then). None: "ask" means deny, with a notice. Call on the loop thread."""
        ...

    def tool_specs(self) -> tuple[ToolInfo, ...]:
        """Every tool of this run with the policy that applies now (empty before start or without tools)."""
        ...

    async def set_tool_policy(self, name: str, policy: Policy) -> None:
        """Save ``policy`` for tool ``name`` (persisted in ``tool_policies``); a change to or from deny
        reopens the session at a quiet moment to declare the new set."""
        ...
