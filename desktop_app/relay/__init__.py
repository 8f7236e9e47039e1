"""The local browser relay: one port serving the bundled page and relaying browser sessions to Gemini.

- :mod:`.codec`, :mod:`.setup_codec`, :mod:`.json_fields`, :mod:`.messages`: the browser protocol
  (DESIGN.md §4) as pure functions and values; media and typed turns decode into core commands;
- :mod:`.protocol`, :mod:`.protocol_values`: one connection's state machine (sans-I/O) and what it
  returns (actions, close codes, limits, counters);
- :mod:`.connection`, :mod:`.server`, :mod:`.responses`: the websockets shell (:class:`RelayServer`,
  :func:`run_relay`) and its HTTP answers;
- :mod:`.origin`, :mod:`.static`, :mod:`.redact`: the security rules;
- :mod:`.web`: where the page's files are (:func:`web_root`).
"""

from desktop_app.relay.config import DEFAULT_HOST, DEFAULT_PORT, RelayConfig
from desktop_app.relay.server import RelayServer, run_relay
from desktop_app.relay.web import web_root

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "RelayConfig", "RelayServer", "run_relay", "web_root"]
