"""One service per running part, each with ``start()``, ``stop()`` and ``apply_settings(settings)``.

- :mod:`.backend`: Gemini or the emulator, and the connector sessions open on;
- :mod:`.relay`: the browser relay and its status watcher;
- :mod:`.audio`: the microphone and speaker, with the pure :mod:`.mic_gate`;
- :mod:`.conversation`: the live session and turn latency;
- :mod:`.vision`: the camera or screen pump;
- :mod:`.history`: the history file and the two-channel recording;
- :mod:`.app_controller`: the façade the window and the headless live mode drive.

They share one :class:`~.bus.Bus` (events, notices, supervised tasks) and are assembled only by
:func:`desktop_app.app.build_app`.
"""
