"""Real audio: microphone capture, speaker playback, echo cancellation, devices and levels.

Start at :mod:`desktop_app.audio.factory` (``open_audio``) for the wiring. Pure cores, testable without
devices: :mod:`.jitter_buffer`, :mod:`.render_timeline`, :mod:`.resample`, :mod:`.levels`,
:mod:`.handoff`, :mod:`.stream_times`. I/O shells: :mod:`.capture` and :mod:`.playback` (both on the one
PortAudio stream lifecycle in :mod:`.streams`), :mod:`.devices`, :mod:`.echo` (the WebRTC module, which owns
the speaker-reference hand-off). Nothing here imports Qt; ``sounddevice`` (PortAudio) is imported only when
a device is used.
"""
