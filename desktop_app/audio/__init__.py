"""Real audio: microphone capture, speaker playback, echo cancellation, devices and levels.

Start at :mod:`desktop_app.audio.factory` (``open_audio``) for the wiring. Pure cores, testable without
devices: :mod:`.jitter_buffer`, :mod:`.render_timeline`, :mod:`.resample`, :mod:`.levels`,
:mod:`.handoff`. I/O shells: :mod:`.capture`, :mod:`.playback`, :mod:`.devices`, :mod:`.echo` (the WebRTC
module). Nothing here imports Qt; ``sounddevice`` (PortAudio) is imported only when a device is used.
"""
