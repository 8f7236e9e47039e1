"""The page's audio worklets, rendered offline in chromium: resampling to 16 kHz and the jitter buffer."""

from __future__ import annotations

from typing import Any

import pytest

from desktop_app.relay import RelayServer
from tests.browser.conftest import BrowserPage

pytestmark = pytest.mark.browser

# Renders `seconds` of a sine at `rate` through the mic worklet and returns what it posted.
MIC_RENDER = """
async ([rate, freq, seconds]) => {
  const ctx = new OfflineAudioContext(1, Math.round(rate * seconds), rate);
  await ctx.audioWorklet.addModule("/js/mic-worklet.js");
  const osc = new OscillatorNode(ctx, { frequency: freq });
  const gain = new GainNode(ctx, { gain: 0.5 });
  const node = new AudioWorkletNode(ctx, "gld-mic", {
    numberOfOutputs: 1, outputChannelCount: [1], processorOptions: { targetRate: 16000, chunkMs: 20 },
  });
  const chunks = [];
  node.port.onmessage = (event) => chunks.push(new Int16Array(event.data.pcm));
  osc.connect(gain).connect(node).connect(ctx.destination);
  osc.start();
  await ctx.startRendering();
  await new Promise((resolve) => setTimeout(resolve, 200));  // let the last port messages arrive
  const samples = [];
  for (const chunk of chunks) samples.push(...chunk);
  let crossings = 0;
  let energy = 0;
  for (let i = 1; i < samples.length; i++) {
    if ((samples[i - 1] < 0) !== (samples[i] < 0)) crossings++;
    energy += (samples[i] / 32768) ** 2;
  }
  const seconds_out = samples.length / 16000;
  return {
    chunkLengths: [...new Set(chunks.map((c) => c.length))],
    count: samples.length,
    frequency: crossings / 2 / seconds_out,
    rms: Math.sqrt(energy / samples.length),
  };
}
"""

PLAYER_RENDER = """
async ([flushFirst]) => {
  const rate = 24000;
  const ctx = new OfflineAudioContext(1, rate, rate);  // one second
  await ctx.audioWorklet.addModule("/js/player-worklet.js");
  const node = new AudioWorkletNode(ctx, "gld-player", {
    numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1], processorOptions: { jitterMs: 80 },
  });
  node.connect(ctx.destination);
  const replies = new Map();
  let nextId = 1;
  node.port.onmessage = (event) => {
    const resolve = replies.get(event.data.id);
    if (resolve) { replies.delete(event.data.id); resolve(event.data); }
  };
  const report = () => new Promise((resolve) => {
    const id = nextId++;
    replies.set(id, resolve);
    node.port.postMessage({ type: "report", id });
  });
  // Queue the audio while rendering is suspended at t=0, and wait until the worklet confirms it.
  ctx.suspend(0).then(async () => {
    node.port.postMessage({ type: "audio", samples: new Float32Array(rate / 2).fill(0.25) });
    node.port.postMessage({ type: "drain" });
    if (flushFirst) node.port.postMessage({ type: "flush" });
    await report();
    ctx.resume();
  });
  const rendered = await ctx.startRendering();
  const stats = await report();
  const out = rendered.getChannelData(0);
  let loud = 0;
  for (const v of out) if (Math.abs(v - 0.25) < 1e-6) loud++;
  let first = -1, lastLoud = -1;
  for (let i = 0; i < out.length; i++) if (out[i] !== 0) { if (first < 0) first = i; lastLoud = i; }
  return { loud, stats, first, lastLoud };
}
"""


def assert_mic_render(result: dict[str, Any], rate: int) -> None:
    """MIC_RENDER of 2 s of a 440 Hz tone at ``rate``: whole 20 ms chunks at 16 kHz, same pitch and level."""
    assert result["chunkLengths"] == [320], (rate, result)  # 20 ms at 16 kHz
    assert 31_000 <= result["count"] <= 32_000, (rate, result)  # 2 s at 16 kHz, whole chunks only
    assert result["frequency"] == pytest.approx(440, rel=0.02), (rate, result)
    # the pass band keeps its level
    assert result["rms"] == pytest.approx(0.5 / 2**0.5, rel=0.05), (rate, result)


def assert_mic_filtered(result: dict[str, Any]) -> None:
    """MIC_RENDER of a 12 kHz tone at 48 kHz: unfiltered, it would fold down to 4 kHz at full level."""
    assert result["rms"] < 0.5 / 2**0.5 / 10, result


@pytest.mark.parametrize("rate", [48_000, 44_100, 16_000])
async def test_mic_worklet_resamples_to_16k_in_20ms_chunks(
    relay: RelayServer, browser_page: BrowserPage, rate: int
) -> None:
    page = browser_page.page
    await page.goto(relay.url)
    assert_mic_render(await page.evaluate(MIC_RENDER, [rate, 440, 2.0]), rate)


async def test_mic_worklet_filters_what_16k_cannot_carry(
    relay: RelayServer, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    await page.goto(relay.url)
    assert_mic_filtered(await page.evaluate(MIC_RENDER, [48_000, 12_000, 1.0]))


async def test_player_worklet_plays_queued_audio_and_flush_silences_it(
    relay: RelayServer, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    await page.goto(relay.url)
    played: dict[str, Any] = await page.evaluate(PLAYER_RENDER, [False])
    assert played["loud"] == 12_000, played  # every queued sample, once
    assert played["stats"]["played"] == 12_000
    assert played["stats"]["underruns"] == 0, "a drained turn end is not an underrun"
    flushed: dict[str, Any] = await page.evaluate(PLAYER_RENDER, [True])
    assert flushed["loud"] == 0, flushed
    assert flushed["stats"]["flushed"] == 12_000
