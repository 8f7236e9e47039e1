// Playback of the model's 24 kHz PCM16 through an AudioWorklet jitter buffer.
// `flush()` silences it at once (barge-in); `drain()` lets a finished turn's tail play out.

import { discardContext, startContext } from "./audio-start.js";
import { pcm16ToFloat32 } from "./b64.js";

export const MODEL_RATE = 24000;

export class Player {
  constructor({ onStats }) {
    this.onStats = onStats;
    this.context = null;
    this.node = null;
    this.starting = null;
    this.failed = false; // the last start() failed (and play() drops audio until restart())
  }

  /** Create the audio graph. Call from a user gesture so the context may start. */
  start() {
    if (!this.starting) this.starting = this.create();
    return this.starting;
  }

  async create() {
    const context = new AudioContext({ sampleRate: MODEL_RATE, latencyHint: "interactive" });
    try {
      await context.audioWorklet.addModule(new URL("./player-worklet.js", import.meta.url));
      const node = new AudioWorkletNode(context, "gld-player", {
        numberOfInputs: 0,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        processorOptions: { jitterMs: 80 },
      });
      node.port.onmessage = (event) => this.onStats(event.data);
      node.connect(context.destination);
      await startContext(context);
      this.context = context;
      this.node = node;
    } catch (error) {
      discardContext(context);
      this.failed = true;
      throw error;
    }
  }

  /** Start again after a start() that failed (its worklet could not load while the relay was down, say);
   * while a start is under way or has worked, the same as start(). */
  restart() {
    if (this.failed) {
      this.failed = false;
      this.starting = null;
    }
    return this.start();
  }

  /** Queue PCM16 little-endian bytes at 24 kHz. Without a working output (start() failed, which the caller
   * of start() reported once) the audio is dropped rather than failing every chunk. */
  async play(bytes) {
    try {
      await this.start();
    } catch {
      return;
    }
    const samples = pcm16ToFloat32(bytes);
    this.node.port.postMessage({ type: "audio", samples }, [samples.buffer]);
  }

  flush() {
    if (this.node) this.node.port.postMessage({ type: "flush" });
  }

  drain() {
    if (this.node) this.node.port.postMessage({ type: "drain" });
  }

  async stop() {
    const starting = this.starting;
    this.starting = null;
    if (!starting) return;
    try {
      await starting;
    } catch {
      return;
    }
    const context = this.context;
    this.context = this.node = null;
    await context.close();
  }
}
