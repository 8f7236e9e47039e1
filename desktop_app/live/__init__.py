"""The live session: the seam and its implementations.

- :mod:`.session`: the ``LiveSession``/``LiveConnector`` seam (one ``send(command)``, one ``events()``);
- :mod:`.genai_session`, :mod:`.connect_config`, :mod:`.messages`, :mod:`.errors`: the google-genai
  implementation, its setup, the server-message mapping and error classification;
- :mod:`.models`: the model catalog (what each model takes; ``options_for``), and :mod:`.usage`: usage
  reports, their totals per model, the context gauge and the cost estimate;
- :mod:`.resilient_session` (the I/O shell), :mod:`.resilient_link` (one connection, one reader),
  :mod:`.resilient_core`, :mod:`.reconnect`, :mod:`.reconnect_policy`, :mod:`.resilient_buffer`,
  :mod:`.resilient_context` (the sans-I/O policy): seamless reconnection around any connector;
- :mod:`.fake_session`: the in-memory fake of the seam, for tests and benchmarks.
"""
