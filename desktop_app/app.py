"""The composition root: the only module that chooses real implementations and wires them together.

:func:`build_app` assembles every mode from the same services (``desktop_app.services``): the window, the
headless live mode, the headless slice and the relay-only mode differ only in which services run and what
they are plugged into. Nothing else constructs services or picks real devices, backends or relays.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from desktop_app.config import Settings, save_settings
from desktop_app.core.clock import Clock, MonotonicClock
from desktop_app.core.events import Event
from desktop_app.core.ports import AudioSink
from desktop_app.services.app_controller import AppController, Services
from desktop_app.services.audio import AudioOpener, AudioService, open_real_audio
from desktop_app.services.backend import BackendOpener, BackendService, open_backend
from desktop_app.services.bus import Bus
from desktop_app.services.conversation import ConversationService
from desktop_app.services.history import HistoryService
from desktop_app.services.mic_gate import MicGate
from desktop_app.services.relay import RelayService
from desktop_app.services.tools import SwitchableConsent, ToolService
from desktop_app.services.vision import VisionService
from desktop_app.tools.consent import ConsentBroker, HeadlessConsent

__all__ = ["Mode", "build_app", "open_backend"]


class Mode(enum.Enum):
    """What runs: the services each mode assembles."""

    WINDOW = "window"  # backend, history, relay, devices, tools, session, vision (with previews)
    HEADLESS_LIVE = "headless-live"  # the window's parts without the relay and the previews
    HEADLESS_SLICE = "headless-slice"  # backend, tools, session (into the given sink), vision: WAV in/out
    RELAY_ONLY = "relay-only"  # backend and relay


def build_app(
    settings: Settings,
    mode: Mode,
    publish: Callable[[Event], None],
    *,
    audio_opener: AudioOpener = open_real_audio,
    backend_opener: BackendOpener = open_backend,
    save: Callable[[Settings], object] = save_settings,
    clock: Clock | None = None,
    sink: AudioSink | None = None,
    start_idle: bool = False,
) -> AppController:
    """Assemble ``mode`` (no I/O: call ``start()`` on the loop thread, and ``stop()`` when done).

    ``publish`` receives every event on the loop thread and must not block. ``sink`` is where the headless
    slice writes the reply (required for it; the other modes play through the opened speaker). Tests pass
    fakes for the openers, ``save`` and ``clock``.

    ``start_idle`` (the window unless ``listen_at_launch``): nothing leaves the machine until the user acts.
    No session opens and the saved camera stays off at start; the microphone is open (for the meter) but
    not sent. "Start talking", a typed message, the camera or a share opens the session
    (:meth:`AppController.set_listening`). Headless modes never start idle: they listen at once.
    """
    clock = clock or MonotonicClock()
    bus = Bus(publish)
    backend = BackendService(settings, bus, backend_opener)
    if mode is Mode.RELAY_ONLY:
        return AppController(
            settings, bus, Services(backend, relay=RelayService(settings, bus, backend)), save
        )
    if mode is Mode.HEADLESS_SLICE:
        if sink is None:
            raise ValueError("the headless slice needs the sink to write the reply to")
        reply_sink = sink
        conversation = ConversationService(settings, bus, backend, lambda: reply_sink, clock)
        tools = _tools(settings, bus, conversation, _headless_consent(bus))
        services = Services(
            backend, conversation, vision=_vision(settings, bus, conversation, previews=False), tools=tools
        )
        controller = AppController(settings, bus, services, save)
        tools.on_policies = controller.remember_tool_policies
        return controller

    conversation = ConversationService(settings, bus, backend, lambda: audio.sink, clock)
    audio = AudioService(
        settings, bus, audio_opener, conversation.send_mic_block, on_new_sink=conversation.use_sink
    )
    vision = _vision(settings, bus, conversation, previews=mode is Mode.WINDOW)
    if start_idle:
        conversation.wanted = False
        audio.gate = MicGate(listening=False)
        vision.open_at_start = False
    history = HistoryService(settings, bus, backend, clock)
    conversation.taps += [vision.on_session_event, history.on_session_event, audio.on_session_event]
    conversation.on_mic_sent = history.on_mic_sent
    conversation.on_user_text = history.user_text
    relay = RelayService(settings, bus, backend) if mode is Mode.WINDOW else None
    headless = _headless_consent(bus)
    consent = SwitchableConsent(headless) if mode is Mode.WINDOW else headless  # the window sets its broker
    tools = _tools(settings, bus, conversation, consent)
    controller = AppController(
        settings, bus, Services(backend, conversation, audio, vision, relay, history, tools), save
    )
    tools.on_policies = controller.remember_tool_policies
    vision.on_change = controller.publish_input  # vision switched itself off: the window must know
    return controller


def _headless_consent(bus: Bus) -> HeadlessConsent:
    return HeadlessConsent(lambda text: bus.notice(text, "tool_consent"))


def _tools(
    settings: Settings, bus: Bus, conversation: ConversationService, consent: ConsentBroker
) -> ToolService:
    """The tool service, hooked into the session: declarations at setup, calls answered, reopen on change."""
    tools = ToolService(settings, bus, conversation.send_command, consent)
    conversation.session_tools = tools.session_tools
    conversation.taps.append(tools.on_session_event)
    tools.reopen = conversation.reopen
    return tools


def _vision(
    settings: Settings, bus: Bus, conversation: ConversationService, *, previews: bool
) -> VisionService:
    return VisionService(settings, bus, conversation.send_frame, previews=previews)
