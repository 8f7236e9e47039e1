"""The offline Live API emulator: a loopback TLS WebSocket server that speaks the Live API's wire protocol.

It answers the real google-genai SDK the way the service does (setup, audio and text turns, interruptions,
transcriptions, tool calls, resumption handles, ``goAway``, close codes), driven by a simulated model that
echoes the user's speech and describes what it received. It is a loopback check of the whole pipeline, not a
model. See DESIGN.md §6; ``python -m desktop_app.emulator --help`` runs it standalone. What each model
refuses in a setup (as documented) is ``model_rules``'.

It shares no protocol code with ``desktop_app.live``: a client mistake cannot hide behind the same mistake
here.
"""

from desktop_app.emulator.config import DEFAULT_MODELS, EmulatorConfig, EmulatorStats, Faults
from desktop_app.emulator.handshake import client_env
from desktop_app.emulator.server import Emulator

__all__ = ["DEFAULT_MODELS", "Emulator", "EmulatorConfig", "EmulatorStats", "Faults", "client_env"]
