"""Device-level latency: measured where the user hears it, at the PulseAudio sinks' monitors.

The whole program runs headless live (``build_app(…, Mode.HEADLESS_LIVE)``: real PortAudio devices on a
private PulseAudio rig, echo cancellation and noise suppression as shipped) against the emulator in a
process of its own, reached as Gemini is (the SDK's ``GOOGLE_GEMINI_BASE_URL``/``SSL_CERT_FILE``). One
``paplay`` plays a scripted conversation into the microphone sink; ``parec`` records the microphone sink's
monitor (what the user said, when) and the speaker sink's monitor (what the user heard, when). Each
:data:`CYCLES` cycle is a turn (0.8 s of speech; its reply is the emulator's echo of it) and a barge-in
(0.25 s of speech 0.35 s into that reply, which it interrupts, and then gets its own reply).

The clocks: every time is on ``time.monotonic`` (CLOCK_MONOTONIC, one clock for every process here). A
recorded sample is dated by :class:`~desktop_app.bench.onsets.ArrivalClock` from the recorder's reads: its
arrival at the recorder, which is after the sink played it by parec's transfer (one fragment, ≤ 10 ms;
the null sink also renders up to one block ahead of its clock). Both monitors are recorded the same way, so
figures from one monitor to the other (``response_latency_at_sink_ms``, ``speech_onset_to_silence…``) lose
most of that error; figures from an event in a process to a monitor carry it. The check
``monitor_vs_portaudio_adc_ms`` dates the same onsets twice, by the mic monitor's recorder and by
PortAudio's ``inputBufferAdcTime`` in the app, and reports how far the two disagree.

Figures (ms; each p99 from ≥ 100 samples, else the max; ``[n]`` says how many):

* ``response_latency_at_sink_ms``: end of the user's speech at the mic sink → first reply sample at the
  speaker sink; ``…_emulator_share_ms``: the audio holding the end of speech received by the emulator → its
  first reply chunk sent (its VAD hangover, :data:`SILENCE_MS`, plus reply start); ``…_client_share_ms``: the
  rest (uplink + downlink through the program).
* ``uplink_mic_sink_to_emulator_ms``: end of speech at the mic sink → the emulator received it.
* ``downlink_first_byte_to_sink_ms[sent]``: the emulator's first reply chunk sent on loopback → audible at the
  speaker sink; ``[received]``: the client's session yielded it → audible.
* ``interrupted_to_silence_at_sink_ms``: the session yielded ``Interrupted`` → the last reply sample at the
  sink; ``speech_onset_to_silence_at_sink_ms``: the barge-in starts at the mic sink → that last sample.
* ``mic_adc_to_socket_ms``: a block's first (and last) sample at the ADC, as PortAudio dates it → the
  session's send of the block returned (the SDK wrote it to its socket).
* ``reply_dropouts_at_sink``: gaps of 10–150 ms inside the sound at the speaker sink (playback underruns
  the user hears). Such a gap does not end a reply; a barge-in that finds the reply already silent when
  ``Interrupted`` arrives is counted in ``device_turns_missed[interruptions]``, not measured.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import wave
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

from desktop_app.app import Mode, build_app
from desktop_app.audio import devices
from desktop_app.audio.capture import MicCapture
from desktop_app.audio.counters import AudioCounters
from desktop_app.audio.factory import AudioIO, AudioOptions
from desktop_app.bench.device_turns import Note, TurnFigures, turn_figures
from desktop_app.bench.emulator_process import EmulatorProcess
from desktop_app.bench.onsets import ArrivalClock, Burst, bursts, merged
from desktop_app.config import Settings
from desktop_app.core.audio_format import MIC_FORMAT, float_to_pcm16
from desktop_app.core.events import Event, Interrupted, MicAudio, ModelAudio
from desktop_app.core.stats import percentile
from desktop_app.services.audio import open_real_audio
from tests.support.pulse_rig import PulseRig, Recorder, ensure_daemon

__all__ = ["CYCLES", "bench_device_latency"]

Metric = tuple[str, float, str]

CYCLES = int(os.environ.get("GLD_BENCH_DEVICE_CYCLES", "110"))  # 5 of 105 were missed once: >= 100
SILENCE_MS = 200  # the session's vad_silence_ms: the emulator's hangover, short so the run takes ~5 min
RATE = 48_000
TURN_S, BARGE_S, BARGE_INTO_REPLY_S, AFTER_S = 0.8, 0.25, 0.35, 0.6
THRESHOLD_DBFS = -50.0
# A gap shorter than this inside a sound is a dropout, not its end (replies are >= 0.45 s apart).
DROPOUT_S = 0.15
FLOWING_BLOCKS = 25  # blocks sent before the script starts: the session is live and the mic flows


def _utterance(seconds: float, freq: float) -> np.ndarray:
    """A tone with a 4 Hz syllable envelope (no noise suppressor takes it for noise), 2 ms ramps."""
    t = np.arange(int(seconds * RATE)) / RATE
    x = 0.4 * (0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)) * np.sin(2 * np.pi * freq * t)
    ramp = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.002)
    return np.asarray(x * ramp, np.float32)


def script(cycles: int) -> np.ndarray:
    """The user's side: per cycle a turn, then a barge-in into its reply, then its reply's time."""
    hangover = SILENCE_MS / 1000
    parts = [np.zeros(RATE, np.float32)]
    for _ in range(cycles):
        parts += [
            _utterance(TURN_S, 220.0),
            np.zeros(int((hangover + BARGE_INTO_REPLY_S) * RATE), np.float32),
            _utterance(BARGE_S, 440.0),
            np.zeros(int((hangover + BARGE_S + AFTER_S) * RATE), np.float32),
        ]
    return np.concatenate([*parts, np.zeros(RATE, np.float32)])


def _write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(float_to_pcm16(samples))


class MicProbe:
    """When each microphone block's samples left the ADC (as the capture dated them from PortAudio's
    ``inputBufferAdcTime``) and when the session's send of the block returned.

    Bench instrumentation: ``MicAudio`` carries the callback's time, not the ADC's, so :meth:`attach` wraps
    the capture's block processing to pair each block it yields with the ADC time it computed. Loop thread.
    """

    def __init__(self) -> None:
        self._pending: deque[tuple[MicAudio, float]] = deque(maxlen=500)  # drop oldest: a block never sent
        self.sent: list[tuple[float, float, int]] = []  # (ADC time of sample 0, send returned, first loud)
        self.flowing = asyncio.Event()

    def opener(
        self, options: AudioOptions, loop: asyncio.AbstractEventLoop, publish: Callable[[Event], None]
    ) -> AudioIO:
        """The app's real audio opener, with the microphone :meth:`attach` ed (pass as ``audio_opener``)."""
        audio = open_real_audio(options, loop, publish)
        if isinstance(audio.source, MicCapture):
            self.attach(audio.source)
        return audio

    def attach(self, mic: MicCapture) -> None:
        """Hook ``mic``'s ``_process`` and ``_on_raw_block`` (AttributeError if the capture renamed them:
        then update this probe, or let ``MicAudio`` carry its ADC time)."""
        dated: list[float] = []
        process: Callable[[Any], list[MicAudio]] = mic._process  # bench instrumentation

        def paired(item: Any) -> list[MicAudio]:
            dated.clear()
            blocks = process(item)
            self._pending.extend(zip(blocks, dated, strict=False))
            return blocks

        mic._on_raw_block = lambda _pcm, adc: dated.append(adc)
        setattr(mic, "_process", paired)  # noqa: B010 - an instance attribute over the method

    def on_sent(self, block: MicAudio) -> None:
        sent_at = time.monotonic()
        while self._pending:
            candidate, adc = self._pending.popleft()
            if candidate is block:
                pcm = np.frombuffer(block.pcm, "<i2")
                loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) >= 32768 * 10 ** (THRESHOLD_DBFS / 20))
                self.sent.append((adc, sent_at, int(loud[0]) if loud.size else -1))
                if len(self.sent) >= FLOWING_BLOCKS:
                    self.flowing.set()
                return


class ClientEvents:
    """When the session yielded each ``ModelAudio`` and ``Interrupted`` (the bus's publish, loop thread)."""

    def __init__(self) -> None:
        self.audio: list[float] = []
        self.interrupted: list[float] = []

    def __call__(self, event: Event) -> None:
        if isinstance(event, ModelAudio):
            self.audio.append(time.monotonic())
        elif isinstance(event, Interrupted):
            self.interrupted.append(time.monotonic())


async def _converse(
    settings: Settings, rig: PulseRig, wav: Path, probe: MicProbe, client: ClientEvents
) -> AudioCounters:
    """Run the program while ``wav`` plays into the microphone; its audio counters at the end."""
    controller = build_app(settings, Mode.HEADLESS_LIVE, client, audio_opener=probe.opener)
    await controller.start()
    try:
        conversation = controller.services.conversation
        assert conversation is not None
        recorder = conversation.on_mic_sent

        def on_sent(block: MicAudio) -> None:
            probe.on_sent(block)
            if recorder is not None:
                recorder(block)

        conversation.on_mic_sent = on_sent
        await asyncio.wait_for(probe.flowing.wait(), 60)
        player = rig.play_into_mic(wav)
        with wave.open(str(wav)) as w:
            seconds = w.getnframes() / w.getframerate()
        code = await asyncio.to_thread(player.wait, seconds + 60)
        if code != 0:
            raise RuntimeError(f"paplay exited with {code}")
        audio = controller.running().audio
        return audio.counters() if audio is not None else AudioCounters()
    finally:
        await controller.stop()


def _dated(recorder: Recorder, samples: np.ndarray) -> tuple[list[Burst], int]:
    """The recording's bursts on ``time.monotonic``, with gaps under :data:`DROPOUT_S` closed, and how
    many such gaps there were (in a reply: dropouts the user hears, e.g. playback underruns)."""
    clock = ArrivalClock(recorder.rate)
    for read_at, frames in recorder.reads:
        clock.note(read_at, frames)
    found = bursts(samples, recorder.rate, threshold_dbfs=THRESHOLD_DBFS, min_gap_s=0.01)
    joined, dropouts = merged(found, DROPOUT_S)
    return [Burst(clock.time_at(b.start_s), clock.time_at(b.end_s)) for b in joined], dropouts


def _notes(path: Path) -> list[Note]:
    out: list[Note] = []
    for line in path.read_text().splitlines():
        t, kind, value = line.split()
        out.append((float(t), kind, float(value)))
    return out


def _figure(name: str, values: list[float]) -> list[Metric]:
    """p50 and p99 (``max`` when fewer than 100 samples), and the count."""
    if not values:
        return [(f"{name}[n]", 0.0, "")]
    top = "p99" if len(values) >= 100 else "max"
    return [
        (f"{name}[p50]", percentile(values, 50), "ms"),
        (f"{name}[{top}]", percentile(values, 99) if top == "p99" else max(values), "ms"),
        (f"{name}[n]", float(len(values)), ""),
    ]


def _adc_figures(probe: MicProbe, mic: list[Burst]) -> list[Metric]:
    block_s = MIC_FORMAT.duration_s(MIC_FORMAT.bytes_for_ms(20))
    sent = probe.sent[FLOWING_BLOCKS:]
    first = [(at - adc) * 1000 for adc, at, _ in sent]
    last = [(at - adc - block_s + 1 / MIC_FORMAT.rate) * 1000 for adc, at, _ in sent]
    starts = [adc for adc, _, _ in sent]
    disagreement: list[float] = []
    for burst in mic:  # the same onset dated by the monitor's recorder and by PortAudio's ADC time
        index = int(np.searchsorted(starts, burst.start_s - 0.1))
        loud = next(((adc, i) for adc, _, i in sent[index : index + 20] if i >= 0), None)
        if loud is not None:
            disagreement.append((loud[0] + loud[1] / MIC_FORMAT.rate - burst.start_s) * 1000)
    return [
        *_figure("mic_adc_to_socket_ms[first_sample]", first),
        *_figure("mic_adc_to_socket_ms[last_sample]", last),
        *_figure("monitor_vs_portaudio_adc_ms", disagreement),
    ]


def _turn_metrics(f: TurnFigures) -> list[Metric]:
    return [
        *_figure("response_latency_at_sink_ms", f.response),
        *_figure("response_latency_emulator_share_ms", f.emulator_share),
        *_figure("response_latency_client_share_ms", f.client_share),
        *_figure("uplink_mic_sink_to_emulator_ms", f.uplink),
        *_figure("downlink_first_byte_to_sink_ms[sent]", f.downlink_sent),
        *_figure("downlink_first_byte_to_sink_ms[received]", f.downlink_received),
        *_figure("interrupted_to_silence_at_sink_ms", f.interrupted_to_silence),
        *_figure("speech_onset_to_silence_at_sink_ms", f.onset_to_silence),
        ("device_turns_missed[replies]", float(f.missed_replies), ""),
        ("device_turns_missed[interruptions]", float(f.missed_interruptions), ""),
    ]


def measure(cycles: int = CYCLES) -> list[Metric]:
    """Run the scripted conversation (see the module docstring) and return its figures."""
    ensure_daemon()
    devices.rescan()
    rig = PulseRig(f"glddl{os.getpid()}")
    rig.setup()
    probe, client = MicProbe(), ClientEvents()
    with tempfile.TemporaryDirectory(prefix="gld-devlat-") as tmp:
        wav, timeline = Path(tmp) / "user.wav", Path(tmp) / "timeline.txt"
        _write_wav(wav, script(cycles))
        emulator = EmulatorProcess(Path(tmp), extra_args=("--timeline", str(timeline)))
        speaker = Recorder(rig.speaker_monitor, RATE)
        mic = Recorder(rig.mic_source, RATE)
        try:
            with emulator, rig.route(), mock.patch.dict(os.environ, {**emulator.env(), "GLD_DATA_DIR": tmp}):
                key = emulator.env()["GEMINI_API_KEY"]
                settings = Settings(backend="gemini", api_key=key, vad_silence_ms=SILENCE_MS)
                counters = asyncio.run(_converse(settings, rig, wav, probe, client))
        finally:
            heard, said = speaker.stop(), mic.stop()
            rig.teardown()
        (mic_bursts, _), (speaker_bursts, dropouts) = _dated(mic, said), _dated(speaker, heard)
        figures = turn_figures(mic_bursts, speaker_bursts, _notes(timeline), client.audio, client.interrupted)
    return [
        *_turn_metrics(figures),
        *_adc_figures(probe, mic_bursts),
        ("reply_dropouts_at_sink", float(dropouts), ""),
        ("device_run_underruns[jitter_buffer]", float(counters.underruns), ""),
        ("device_run_underruns[portaudio_output]", float(counters.output_underflows), ""),
    ]


def bench_device_latency() -> list[Metric]:
    return measure()
